package io.github.dbosspring.queue;

import org.jspecify.annotations.Nullable;

/**
 * The progress a job reported, as published in its {@value #EVENT} event.
 *
 * @param percent 0 to 100
 * @param message an optional message
 * @since 0.2.0
 */
public record Progress(int percent, @Nullable String message) {

	/** The event key under which a job's progress is published. */
	public static final String EVENT = "dbos.progress";

	public Progress {
		percent = Math.max(0, Math.min(100, percent));
	}

}
