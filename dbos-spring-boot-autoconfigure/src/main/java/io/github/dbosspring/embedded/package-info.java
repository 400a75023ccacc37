/**
 * DBOS embedded.
 */
@NullMarked
package io.github.dbosspring.embedded;

import org.jspecify.annotations.NullMarked;
