/**
 * DBOS support.
 */
@NullMarked
package io.github.dbosspring.workflow.support;

import org.jspecify.annotations.NullMarked;
