package dev.eventpublisher.bench;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** A JMH throughput benchmark run by a suite, sized by the suite's mode, its score per value of one parameter. */
final class JmhThroughput {
    private JmhThroughput() {
    }

    /**
     * Runs the benchmarks matching {@code include} with {@code threads} threads ({@code smoke}: no fork, one
     * second; {@code quick}: short; {@code full}: 2 forks of 3 × 5 s warm-up, 5 × 5 s measured — this machine's
     * run-to-run noise is larger than the differences measured) and writes JMH's JSON to
     * {@code rawJson}. Returns the rounded score (ops/s) per value of {@code param}.
     */
    static Map<String, Object> byParam(String include, String param, int threads, String mode, Path rawJson)
            throws RunnerException {
        boolean smoke = mode.equals("smoke");
        boolean full = mode.equals("full");
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(include).threads(threads).forks(smoke ? 0 : full ? 2 : 1)
                .warmupIterations(smoke ? 0 : full ? 3 : 1).warmupTime(TimeValue.seconds(smoke ? 1 : full ? 5 : 2))
                .measurementIterations(smoke ? 1 : full ? 5 : 3).measurementTime(TimeValue.seconds(smoke ? 1 : full ? 5 : 3))
                .shouldFailOnError(true).resultFormat(ResultFormatType.JSON).result(rawJson.toString()).build()).run();
        Map<String, Object> byValue = new LinkedHashMap<>();
        for (RunResult r : results) {
            byValue.put(r.getParams().getParam(param), Math.round(r.getPrimaryResult().getScore()));
        }
        return byValue;
    }

    /**
     * One fork of the benchmark matching {@code include} with the parameters {@code params}, sized for
     * {@link Paired} rounds ({@code smoke}: no fork, one second; otherwise 2 × 3 s warm-up, 3 × 4 s measured);
     * its score in ops/s.
     */
    static double once(String include, Map<String, String> params, int threads, String mode, Path rawJson)
            throws RunnerException {
        boolean smoke = mode.equals("smoke");
        OptionsBuilder options = new OptionsBuilder();
        params.forEach(options::param);
        Collection<RunResult> results = new Runner(options
                .include(include).threads(threads).forks(smoke ? 0 : 1)
                .warmupIterations(smoke ? 0 : 2).warmupTime(TimeValue.seconds(smoke ? 1 : 3))
                .measurementIterations(smoke ? 1 : 3).measurementTime(TimeValue.seconds(smoke ? 1 : 4))
                .shouldFailOnError(true).resultFormat(ResultFormatType.JSON).result(rawJson.toString()).build()).run();
        return results.iterator().next().getPrimaryResult().getScore();
    }
}
