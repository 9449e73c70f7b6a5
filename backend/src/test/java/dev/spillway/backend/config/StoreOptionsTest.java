package dev.spillway.backend.config;

import dev.spillway.backend.store.StoreSettings;
import dev.spillway.backend.store.run.BlockCompression;
import dev.spillway.backend.store.run.RunFormatOptions;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.Test;

import java.nio.file.Paths;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreOptionsTest {

    private static final String[] TMP = {"disk-a/tmp", "disk-b/tmp"};

    @Test
    void defaultsSpillUnderOneOfFlinksTemporaryDirectories() {
        StoreSettings settings = StoreOptions.settingsFrom(new Configuration(), TMP, "op-1");
        assertThat(settings.spillParent().getParent().toString()).isIn((Object[]) TMP);
        assertThat(settings.spillParent().getFileName().toString()).isEqualTo("spillway");
        assertThat(settings.runFormat().blockSize()).isEqualTo(RunFormatOptions.DEFAULT_BLOCK_SIZE);
        assertThat(settings.runFormat().compression()).isEqualTo(BlockCompression.LZ4);
        assertThat(settings.compactionTrigger()).isEqualTo(StoreSettings.DEFAULT_COMPACTION_TRIGGER);
        assertThat(settings.blockCacheBytes()).isEqualTo(StoreSettings.DEFAULT_BLOCK_CACHE_BYTES);
    }

    @Test
    void readsEveryOption() {
        Configuration config = new Configuration();
        config.set(StoreOptions.SPILL_DIRECTORY, "fast-ssd/spill");
        config.set(StoreOptions.BLOCK_SIZE, MemorySize.parse("4 kb"));
        config.set(StoreOptions.COMPRESSION, BlockCompression.NONE);
        config.set(StoreOptions.BLOOM_FALSE_POSITIVE_RATE, 0.05);
        config.set(StoreOptions.COMPACTION_TRIGGER, 6);
        config.set(StoreOptions.BLOCK_CACHE_SIZE, MemorySize.ZERO);

        StoreSettings settings = StoreOptions.settingsFrom(config, TMP, "op-1");

        assertThat(settings.spillParent()).isEqualTo(Paths.get("fast-ssd/spill"));
        assertThat(settings.runFormat().blockSize()).isEqualTo(4096);
        assertThat(settings.runFormat().compression()).isEqualTo(BlockCompression.NONE);
        assertThat(settings.runFormat().bloomFalsePositiveRate()).isEqualTo(0.05);
        assertThat(settings.compactionTrigger()).isEqualTo(6);
        assertThat(settings.blockCacheBytes()).isZero();
    }

    @Test
    void rejectsValuesOutOfRangeNamingTheOption() {
        assertRejected(StoreOptions.BLOCK_SIZE.key(), "512 b", "1 kb to 16 mb");
        assertRejected(StoreOptions.BLOCK_SIZE.key(), "32 mb", "1 kb to 16 mb");
        assertRejected(StoreOptions.BLOOM_FALSE_POSITIVE_RATE.key(), "0.9", "[0.0001, 0.5]");
        assertRejected(StoreOptions.COMPACTION_TRIGGER.key(), "1", "from 2 to 64");
        assertRejected(StoreOptions.COMPRESSION.key(), "ZSTD", "NONE or LZ4");
        assertRejected(StoreOptions.BLOCK_CACHE_SIZE.key(), "-1 mb", "at least 0 bytes");
        assertRejected(StoreOptions.SPILL_DIRECTORY.key(), " ", "local directory");
    }

    @Test
    void noSpillDirectoryAtAllIsAClearError() {
        assertThatThrownBy(() -> StoreOptions.settingsFrom(new Configuration(), new String[0], "op"))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining(StoreOptions.SPILL_DIRECTORY.key())
                .hasMessageContaining("io.tmp.dirs");
    }

    private static void assertRejected(String key, String value, String range) {
        Configuration config = new Configuration();
        config.setString(key, value);
        assertThatThrownBy(() -> StoreOptions.settingsFrom(config, TMP, "op"))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining(key)
                .hasMessageContaining(range);
    }
}
