package dev.spillway.backend.state;

import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalKvState;

import javax.annotation.Nullable;

/**
 * One keyed state known to the backend: its id in the store's key layout, its meta info
 * (serializers, type) and, once the job asked for it, the state object.
 */
public final class RegisteredKvState {

    private final int stateId;
    private RegisteredKeyValueStateBackendMetaInfo<?, ?> metaInfo;
    @Nullable private InternalKvState<?, ?, ?> state;

    RegisteredKvState(int stateId, RegisteredKeyValueStateBackendMetaInfo<?, ?> metaInfo) {
        this.stateId = stateId;
        this.metaInfo = metaInfo;
    }

    public int stateId() {
        return stateId;
    }

    public RegisteredKeyValueStateBackendMetaInfo<?, ?> metaInfo() {
        return metaInfo;
    }

    void setMetaInfo(RegisteredKeyValueStateBackendMetaInfo<?, ?> metaInfo) {
        this.metaInfo = metaInfo;
    }

    @Nullable
    InternalKvState<?, ?, ?> state() {
        return state;
    }

    void setState(InternalKvState<?, ?, ?> state) {
        this.state = state;
    }
}
