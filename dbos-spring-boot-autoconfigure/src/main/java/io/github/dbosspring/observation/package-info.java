/**
 * Observability of durable workflows: Micrometer meters, and observations (spans) of
 * workflow starts, executions and steps that continue their starter's trace.
 */
@NullMarked
package io.github.dbosspring.observation;

import org.jspecify.annotations.NullMarked;
