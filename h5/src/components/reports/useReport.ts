// A report section's data: loaded when the section first shows and again whenever what it depends
// on changes; an answer that arrives after a newer question is dropped.
import { ref, watch, type Ref, type WatchSource } from 'vue';
import { api } from '../../api/client.ts';
import { errorText } from '../../ui/errors.ts';

export function useReport<T>(url: () => string, sources: WatchSource[]): { data: Ref<T | null>; loading: Ref<boolean>; error: Ref<string | null>; load: () => Promise<void> } {
  const data = ref<T | null>(null) as Ref<T | null>;
  const loading = ref(true);
  const error = ref<string | null>(null);
  let generation = 0;
  async function load() {
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const answer = await api<T>(url());
      if (mine === generation) data.value = answer;
    } catch (e) {
      if (mine === generation) error.value = errorText(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }
  watch(sources, () => void load(), { immediate: true });
  return { data, loading, error, load };
}
