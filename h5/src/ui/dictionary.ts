import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { loadDictionaries } from '../api/dictionaries.ts';
import type { DictionaryData } from '../api/types.ts';

type Entry = DictionaryData['entries'][number];

/**
 * One dictionary for a component: its active entries, and the label of a value in the app's
 * language (the value itself until the dictionaries arrive, or when it is no longer listed).
 */
export function useDictionary(type: string) {
  const { locale } = useI18n();
  const entries = ref<Entry[]>([]);
  const ready = loadDictionaries().then(
    (all) => (entries.value = all.get(type)?.entries ?? []),
    () => [] as Entry[],
  );
  const labelOf = (entry: Entry) => (locale.value === 'en' ? entry.label.en : entry.label.zh);
  const label = (value: string) => {
    const entry = entries.value.find((e) => e.value === value);
    return entry ? labelOf(entry) : value;
  };
  return { entries, ready, label, labelOf };
}
