/**
 * DBOS autoconfigure.
 */
@NullMarked
package io.github.dbosspring.autoconfigure;

import org.jspecify.annotations.NullMarked;
