/**
 * DBOS store.
 */
@NullMarked
package io.github.dbosspring.store;

import org.jspecify.annotations.NullMarked;
