/**
 * DBOS workflow.
 */
@NullMarked
package io.github.dbosspring.workflow;

import org.jspecify.annotations.NullMarked;
