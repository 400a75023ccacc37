/**
 * DBOS recovery.
 */
@NullMarked
package io.github.dbosspring.recovery;

import org.jspecify.annotations.NullMarked;
