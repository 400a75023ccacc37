/**
 * DBOS serialization.
 */
@NullMarked
package io.github.dbosspring.serialization;

import org.jspecify.annotations.NullMarked;
