package dev.eventpublisher.sender;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Which topics the producer holds metadata for, learnt off the sender thread. {@code KafkaProducer.send()}
 * (and {@code partitionsFor}) block the calling thread until the producer has the topic's metadata — for a
 * topic Kafka is still creating, about a round trip plus a retry backoff each; for one it cannot create,
 * {@code max.block.ms}. Done on the sender thread, one new topic at a time, that stalled every other topic
 * behind it. So the sender asks here first: a topic is {@link State#READY} (send now, the producer will not
 * block), {@link State#PENDING} (a lookup thread is asking Kafka; park the records on the topic) or
 * {@link State#FAILED} (the last lookup failed, with the reason, for a short while).
 *
 * <p>A topic new to this producer first goes through {@link State#PROBING}: one of its parked records is sent
 * alone and the rest wait for Kafka's answer to it. A broker before Kafka 4.5 (KAFKA-15591) can refuse the
 * first produce request to a partition it has just created (NOT_LEADER_OR_FOLLOWER) and append the second
 * one, in flight beside it; every retry of the first then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until
 * {@code delivery.timeout.ms} expires it — two minutes of a stuck partition, then failed events. Once one
 * record is in, the broker leads the topic's partitions and the rest can go as they come. It costs one round
 * trip per topic each time the topic is first used (or used again after it was forgotten).
 *
 * <p>A lookup starts on the checker thread, which asks {@link TopicExistence} about every topic queued since its
 * last round in one describe request. A topic that exists, or that Kafka creates when a producer asks for it
 * ({@code auto.create.topics.enable}), goes on to a small pool of lookup threads, each one {@code partitionsFor}
 * call (the producer puts all topics asked for at once into one metadata request, so the pool creates topics in
 * parallel), which fills the producer's cache so {@code send()} will not block. A topic that is missing and will
 * not be created holds no thread: the checker asks again, many topics a request, every {@link #RECHECK_NANOS},
 * and fails its events ({@link TopicNotFoundException}) once it has been missing for the producer's
 * {@code max.block.ms} — the wait Kafka itself gives a topic's metadata. A {@code partitionsFor} that times out
 * asks once more whether the topic exists: Kafka being unreachable keeps the timeout (retriable).
 *
 * <p>Memory is O(topics used lately): a topic not used for {@code idleNanos} (less than the producer's own
 * {@code metadata.max.idle.ms}, so a READY topic is always still in the producer's cache) is forgotten.
 *
 * <p>Threads: the sender thread owns the map and every {@link Topic}; lookup threads and Kafka's I/O thread
 * only append to {@code answers}. The methods that touch the map are synchronized all the same (uncontended,
 * once per batch): a publisher closing past its deadline calls {@link #takeAllWaiting} from the closing thread
 * while the sender thread may still be running.
 */
final class TopicMetadata {
    enum State { PENDING, PROBING, READY, FAILED }

    /** Lookup threads: enough that a fan-out to thousands of new topics is created in parallel. */
    static final int LOOKUP_THREADS = 32;
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long a failed lookup's answer is reused before Kafka is asked again. */
    static final long FAILED_FOR_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long SWEEP_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How often a missing topic (one Kafka will not create) is asked about again. */
    static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Topics per describe request. */
    private static final int DESCRIBE_AT_MOST = 1_000;

    /** One topic, as the sender thread knows it. */
    static final class Topic {
        final String name;
        State state = State.PENDING;
        /** Partition count when READY. */
        int partitions;
        Exception failure;
        long failedUntil;
        long refreshAt;
        long lastUsed;
        boolean lookupInFlight;
        /** Records that arrived while PENDING, in arrival order. */
        final ArrayDeque<RecordCallback> waiting = new ArrayDeque<>(4);
        /** Sticky partitioning of unkeyed records ({@link PartitionChooser}). */
        int sticky;
        long bytesOnSticky;

        Topic(String name) {
            this.name = name;
        }
    }

    /** A lookup's answer, or (when {@code probed}) Kafka's answer to a PROBING topic's first record. */
    private record Answer(String topic, int generation, int partitions, Exception failure, boolean probed) {
    }

    /** A lookup waiting for the checker: since when the topic has been asked about (for the missing-topic wait). */
    private record Check(String topic, int generation, long since) {
    }

    private final Supplier<Producer<byte[], byte[]>> producer;
    private final TopicExistence existence;
    private final long idleNanos;
    private final Map<String, Topic> topics = new HashMap<>();
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final ThreadPoolExecutor lookups;
    private final long missingWaitNanos;
    /** Lookups not yet described; the checker thread drains it. */
    private final ConcurrentLinkedQueue<Check> toCheck = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.ScheduledExecutorService checker;
    private final java.util.concurrent.atomic.AtomicBoolean checkQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** Checker thread only: topics Kafka said are missing (and will not create), asked about again until they expire. */
    private final List<Check> missing = new ArrayList<>();
    private boolean recheckQueued;
    private long lastMissingRound;
    /** Bumped when the producer is replaced: answers about the old one's cache are ignored. */
    private final AtomicInteger generation = new AtomicInteger();
    /** Written under the lock; read without it (a gauge, the sender's budget check). */
    private volatile int waitingRecords;
    private long nextSweep;

    /** @param missingWaitNanos how long a missing topic's events wait for it to appear (the producer's max.block.ms) */
    TopicMetadata(Supplier<Producer<byte[], byte[]>> producer, TopicExistence existence, long idleNanos, long missingWaitNanos,
                  String threadName) {
        this.producer = producer;
        this.existence = existence;
        this.idleNanos = idleNanos;
        this.missingWaitNanos = missingWaitNanos;
        this.checker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName + "-check");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger threads = new AtomicInteger();
        this.lookups = new ThreadPoolExecutor(LOOKUP_THREADS, LOOKUP_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, threadName + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.lookups.allowCoreThreadTimeOut(true);
    }

    /** Sender thread: the topic's state for a record being sent now; starts a lookup when one is due. */
    synchronized Topic use(String name, long now) {
        Topic topic = topics.get(name);
        if (topic == null) {
            topic = new Topic(name);
            topics.put(name, topic);
            lookUp(topic);
        } else if (topic.state == State.READY) {
            if (now - topic.refreshAt >= 0 && !topic.lookupInFlight) {
                lookUp(topic); // the partition count may have grown; stays READY meanwhile
            }
        } else if (topic.state == State.FAILED && now - topic.failedUntil >= 0) {
            topic.state = State.PENDING;
            topic.failure = null;
            if (!topic.lookupInFlight) {
                lookUp(topic);
            }
        }
        topic.lastUsed = now;
        return topic;
    }

    /** Sender thread: keeps {@code record} until its PENDING topic is looked up. */
    synchronized void park(Topic topic, RecordCallback record) {
        topic.waiting.add(record);
        waitingRecords++;
    }

    /** Sender thread: every record parked on {@code topic}, in arrival order; none is parked there afterwards. */
    synchronized List<RecordCallback> unpark(Topic topic) {
        List<RecordCallback> all = new ArrayList<>(topic.waiting);
        waitingRecords -= all.size();
        topic.waiting.clear();
        return all;
    }

    /** Sender thread: the first record parked on a PROBING topic, to be sent alone. */
    synchronized RecordCallback unparkFirst(Topic topic) {
        waitingRecords--;
        return topic.waiting.poll();
    }

    /**
     * Any thread (Kafka's I/O thread, usually): Kafka answered the record sent alone for a PROBING topic, or it
     * failed before reaching Kafka; the topic's other records may go now.
     */
    void probed(String topic) {
        answers.add(new Answer(topic, generation.get(), 0, null, true));
    }

    /** Records parked on topics being looked up. Sender thread (approximate elsewhere). */
    int waitingRecords() {
        return waitingRecords;
    }

    /** Any thread, cheap: whether a lookup answered since the last {@link #settle}. */
    boolean hasAnswers() {
        return !answers.isEmpty();
    }

    /**
     * Sender thread: applies the answers; every topic that left PENDING or PROBING with parked records is handed
     * to {@code settled}, which sends or fails them ({@link #unpark}) — or, entering PROBING, sends the first one
     * ({@link #unparkFirst}) and reports its answer to {@link #probed}. Also forgets idle topics.
     */
    synchronized void settle(long now, java.util.function.Consumer<Topic> settled) {
        int current = generation.get();
        for (Answer a; (a = answers.poll()) != null; ) {
            Topic topic = topics.get(a.topic);
            if (topic == null) {
                continue;
            }
            if (a.probed) {
                if (topic.state == State.PROBING && a.generation == current) {
                    topic.state = State.READY;
                    if (!topic.waiting.isEmpty()) {
                        settled.accept(topic);
                    }
                }
                continue;
            }
            topic.lookupInFlight = false;
            if (a.generation != current) {
                if (topic.state == State.PENDING) {
                    lookUp(topic);
                }
                continue;
            }
            if (a.failure == null && a.partitions > 0) {
                // The probe is for a topic's first records; a refresh of a READY topic changes only its count.
                if (topic.state != State.READY) {
                    topic.state = topic.waiting.isEmpty() ? State.READY : State.PROBING;
                }
                topic.partitions = a.partitions;
                topic.sticky %= a.partitions;
                topic.refreshAt = now + REFRESH_NANOS;
            } else if (topic.state == State.PENDING) {
                // A READY (or PROBING) topic whose refresh failed stays so: the producer still holds its metadata.
                topic.state = State.FAILED;
                topic.failure = a.failure != null ? a.failure
                        : new TimeoutException("Kafka reported no partitions for topic " + a.topic);
                topic.failedUntil = now + FAILED_FOR_NANOS;
            } else {
                topic.refreshAt = now + REFRESH_NANOS;
            }
            if (topic.state != State.PENDING && !topic.waiting.isEmpty()) {
                settled.accept(topic);
            }
        }
        if (now - nextSweep >= 0) {
            nextSweep = now + SWEEP_EVERY_NANOS;
            forgetIdle(now);
        }
    }

    /**
     * Sender thread, after the producer was replaced: the new one's cache is empty, so every topic is looked up
     * again (parked records stay parked) and topics nobody waits for are forgotten.
     */
    synchronized void producerReplaced() {
        generation.incrementAndGet();
        for (Iterator<Topic> it = topics.values().iterator(); it.hasNext(); ) {
            Topic topic = it.next();
            if (topic.waiting.isEmpty()) {
                it.remove();
            } else {
                topic.state = State.PENDING;
                if (!topic.lookupInFlight) {
                    lookUp(topic);
                }
            }
        }
    }

    /** Sender thread, closing: every parked record, in topic order; nothing is parked afterwards. */
    synchronized List<RecordCallback> takeAllWaiting() {
        List<RecordCallback> all = new ArrayList<>(waitingRecords);
        for (Topic topic : topics.values()) {
            all.addAll(topic.waiting);
            topic.waiting.clear();
        }
        waitingRecords = 0;
        return all;
    }

    /** Topics known now (for tests and the gauge). Sender thread. */
    synchronized int knownTopics() {
        return topics.size();
    }

    void close() {
        checker.shutdownNow();
        lookups.shutdownNow();
        existence.close();
    }

    private void forgetIdle(long now) {
        topics.values().removeIf(t -> t.waiting.isEmpty() && !t.lookupInFlight && now - t.lastUsed > idleNanos);
    }

    private void lookUp(Topic topic) {
        topic.lookupInFlight = true;
        toCheck.add(new Check(topic.name, generation.get(), System.nanoTime()));
        if (checkQueued.compareAndSet(false, true)) {
            submit(checker, this::check, topic.name, generation.get());
        }
    }

    /**
     * Checker thread: one describe request for every topic queued since the last round and every missing topic
     * due again. Topics that exist (or that Kafka creates on request) go to a lookup thread; missing ones wait
     * here, holding no thread, until they appear or their wait is over.
     */
    private void check() {
        checkQueued.set(false);
        long now = System.nanoTime();
        List<Check> round = new ArrayList<>();
        for (Check c; (c = toCheck.poll()) != null; ) {
            round.add(c);
        }
        // Missing topics are asked about again at most every RECHECK_NANOS, however often new topics come.
        if (now - lastMissingRound >= RECHECK_NANOS || round.isEmpty()) {
            lastMissingRound = now;
            round.addAll(missing);
            missing.clear();
        }
        for (int from = 0; from < round.size(); from += DESCRIBE_AT_MOST) {
            List<Check> chunk = round.subList(from, Math.min(round.size(), from + DESCRIBE_AT_MOST));
            List<String> names = new ArrayList<>(chunk.size());
            chunk.forEach(c -> names.add(c.topic));
            Map<String, TopicExistence.Existence> said = existence.describe(names);
            boolean created = existence.autoCreates();
            for (Check c : chunk) {
                TopicExistence.Existence e = said.getOrDefault(c.topic, TopicExistence.Existence.UNKNOWN);
                if (e != TopicExistence.Existence.MISSING || created) {
                    submit(lookups, () -> answers.add(ask(c.topic, c.generation)), c.topic, c.generation);
                } else if (now - c.since >= missingWaitNanos) {
                    answers.add(new Answer(c.topic, c.generation, 0, new TopicNotFoundException(c.topic), false));
                } else {
                    missing.add(c);
                }
            }
        }
        if (!missing.isEmpty() && !recheckQueued) {
            recheckQueued = true;
            try {
                checker.schedule(() -> {
                    recheckQueued = false;
                    check();
                }, RECHECK_NANOS, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                recheckQueued = false;
            }
        }
    }

    private void submit(java.util.concurrent.Executor executor, Runnable task, String name, int asked) {
        try {
            executor.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            answers.add(new Answer(name, asked, 0, new TimeoutException("the publisher is closing"), false));
        }
    }

    /** Lookup thread: blocks up to {@code max.block.ms} in the producer, which is what this thread is for. */
    private Answer ask(String name, int asked) {
        try {
            List<PartitionInfo> partitions = producer.get().partitionsFor(name);
            return new Answer(name, asked, partitions == null ? 0 : partitions.size(), null, false);
        } catch (TimeoutException e) {
            Exception missing = existence.checkMissing(name);
            return new Answer(name, asked, 0, missing != null ? missing : e, false);
        } catch (RuntimeException e) {
            // Invalid or unauthorised topic, producer closed...: the reason goes to the topic's events.
            return new Answer(name, asked, 0, e, false);
        }
    }
}
