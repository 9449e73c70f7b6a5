package dev.spillway.backend;

import dev.spillway.backend.config.TimerOptions;
import dev.spillway.backend.config.TimerOptions.TimerServiceFactory;
import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code spillway.timer-service.*}: defaults, configuration, and clear errors for bad values. */
class TimerServiceOptionsTest {

    @Test
    void timersLiveInTheStoreByDefaultAndOnTheHeapWhenConfigured() {
        assertThat(configure(new Configuration()).getTimerServiceFactory())
                .isEqualTo(TimerServiceFactory.SPILLWAY);
        Configuration heap = new Configuration();
        heap.setString(TimerOptions.FACTORY.key(), "HEAP");
        assertThat(configure(heap).getTimerServiceFactory()).isEqualTo(TimerServiceFactory.HEAP);
    }

    @Test
    void badValuesFailNamingTheOptionAndWhatItAccepts() {
        Configuration factory = new Configuration();
        factory.setString(TimerOptions.FACTORY.key(), "ROCKSDB");
        assertThatThrownBy(() -> configure(factory))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining("spillway.timer-service.factory")
                .hasMessageContaining("SPILLWAY or HEAP");

        Configuration cache = new Configuration();
        cache.setString(TimerOptions.CACHE_SIZE.key(), "0");
        assertThatThrownBy(() -> configure(cache))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining("spillway.timer-service.cache-size")
                .hasMessageContaining("from 1 to 65536");
    }

    private static SpillwayStateBackend configure(Configuration config) {
        return new SpillwayStateBackend(new ReferenceStoreFactory())
                .configure(config, TimerServiceOptionsTest.class.getClassLoader());
    }
}
