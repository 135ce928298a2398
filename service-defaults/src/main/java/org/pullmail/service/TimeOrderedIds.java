package org.pullmail.service;

import java.util.UUID;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

/**
 * Row ids that sort by creation time (UUID version 7, RFC 9562): a new row's key lands at the end of its
 * index instead of on a random page, which keeps the indexes compact and spares the WAL a full image of a
 * different page for nearly every insert after a checkpoint. For ids that stay inside a service; ids
 * handed to other domains are random.
 */
public final class TimeOrderedIds {

    private static final TimeBasedEpochGenerator GENERATOR = Generators.timeBasedEpochGenerator();

    private TimeOrderedIds() {
    }

    public static UUID next() {
        return GENERATOR.generate();
    }
}
