package io.github.dbosspring.sample;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the sample, under {@code sample}.
 *
 * @param role what this process runs: {@code all} (default), {@code worker} or
 * {@code web}
 * @param stepDuration how long each step of the queue workflow works
 * @since 0.1.0
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue("all") SampleRole role, @DefaultValue("1s") Duration stepDuration) {

}
