/**
 * The queue-worker sample: a durable workflow of one-second steps, started and watched
 * over HTTP.
 */
@NullMarked
package io.github.dbosspring.sample;

import org.jspecify.annotations.NullMarked;
