package io.github.dbosspring.benchmarks;

import java.util.List;

/**
 * The median and the range of one figure over the measured rounds.
 *
 * @param median the median
 * @param min the smallest value
 * @param max the largest value
 * @since 0.1.0
 */
record Spread(double median, double min, double max) {

	static Spread of(List<Double> values) {
		if (values.isEmpty()) {
			throw new IllegalArgumentException("No values");
		}
		double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
		int middle = sorted.length / 2;
		double median = (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
		return new Spread(median, sorted[0], sorted[sorted.length - 1]);
	}

}
