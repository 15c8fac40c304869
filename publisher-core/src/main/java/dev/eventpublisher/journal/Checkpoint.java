package dev.eventpublisher.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The journal's checkpoint: its id and the low-water mark (every position below it is done). Written
 * whole or not at all: a temporary file, forced, renamed over the old one, then the directory forced.
 * Layout: {@code [magic "EPCK"][int version][uuid 16][long mark][long written millis][int crc32c]}.
 *
 * @param journalId stable for the journal's life (exactly-once derives its transactional id from it)
 * @param mark      the low-water mark
 */
record Checkpoint(UUID journalId, long mark) {
    static final String FILE = "checkpoint";
    static final String TEMP = "checkpoint.tmp";
    private static final int MAGIC = 0x4550434B; // "EPCK"
    private static final int VERSION = 1;
    private static final int BYTES = 4 + 4 + 16 + 8 + 8 + 4;

    /** The checkpoint in {@code storage}; null if there is none, {@link Unreadable} if it is damaged. */
    static Checkpoint read(JournalStorage storage) throws IOException {
        if (!storage.list().contains(FILE)) {
            return null;
        }
        ByteBuffer bytes = ByteBuffer.allocate(BYTES);
        try (JournalStorage.ReadFile file = storage.openRead(FILE)) {
            if (file.size() != BYTES) {
                throw new Unreadable("checkpoint is " + file.size() + " bytes, expected " + BYTES);
            }
            while (bytes.hasRemaining()) {
                if (file.read(bytes, bytes.position()) < 0) {
                    throw new Unreadable("checkpoint ends early");
                }
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes.array(), 0, BYTES - 4);
        if (bytes.getInt(0) != MAGIC || bytes.getInt(4) != VERSION || bytes.getInt(BYTES - 4) != (int) crc.getValue()) {
            throw new Unreadable("checkpoint fails its checksum");
        }
        return new Checkpoint(new UUID(bytes.getLong(8), bytes.getLong(16)), bytes.getLong(24));
    }

    /** Replaces the checkpoint atomically and durably. */
    void write(JournalStorage storage) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(BYTES);
        bytes.putInt(MAGIC).putInt(VERSION).putLong(journalId.getMostSignificantBits())
                .putLong(journalId.getLeastSignificantBits()).putLong(mark).putLong(System.currentTimeMillis());
        CRC32C crc = new CRC32C();
        crc.update(bytes.array(), 0, BYTES - 4);
        bytes.putInt((int) crc.getValue()).flip();
        storage.delete(TEMP);
        try (JournalStorage.AppendFile temp = storage.create(TEMP)) {
            temp.write(bytes);
            try {
                temp.force();
            } catch (IOException e) {
                throw new ForceFailedException(e);
            }
        }
        storage.rename(TEMP, FILE);
        try {
            storage.syncDirectory();
        } catch (IOException e) {
            throw new ForceFailedException(e);
        }
    }

    /** A checkpoint file that exists but cannot be trusted. */
    static final class Unreadable extends IOException {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message);
        }
    }
}
