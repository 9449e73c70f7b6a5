package dev.spillway.backend.state;

import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;

/** A view of a map entry iterator as keys or values; {@link #remove()} removes the entry. */
final class MapIterationAdapter<UK, UV, T> implements Iterator<T> {

    private final Iterator<Map.Entry<UK, UV>> entries;
    private final Function<Map.Entry<UK, UV>, T> view;

    MapIterationAdapter(Iterator<Map.Entry<UK, UV>> entries, Function<Map.Entry<UK, UV>, T> view) {
        this.entries = entries;
        this.view = view;
    }

    @Override
    public boolean hasNext() {
        return entries.hasNext();
    }

    @Override
    public T next() {
        return view.apply(entries.next());
    }

    @Override
    public void remove() {
        entries.remove();
    }
}
