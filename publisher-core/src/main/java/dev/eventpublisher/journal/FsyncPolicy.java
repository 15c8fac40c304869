package dev.eventpublisher.journal;

/** When journalled events are forced to the disk, and so when they count as accepted. */
public enum FsyncPolicy {
    /** Each group commit is forced before its events are accepted: survives a power cut. */
    BATCH,
    /** Accepted after the write; the file is forced every {@code fsyncInterval}: a power cut loses at most that interval. */
    INTERVAL,
    /** Accepted after the write, left to the page cache: survives a process crash, not a power cut. */
    NONE
}
