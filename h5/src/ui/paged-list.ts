// A list read page by page (cursor paging) for Vant's van-list and pull-to-refresh: a reload while a
// page is on its way (another tab chosen) makes that page's answer be ignored.
import { ref, type Ref } from 'vue';
import type { Page } from '../api/types.ts';

export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const items = ref([]) as Ref<T[]>;
  const cursor = ref<string | null>(null);
  const loading = ref(false);
  const finished = ref(false);
  const failed = ref(false);
  const refreshing = ref(false);
  let generation = 0;

  async function loadMore(): Promise<void> {
    const mine = generation;
    loading.value = true;
    try {
      const page = await fetchPage(cursor.value);
      if (mine !== generation) return; // a reload came meanwhile
      items.value.push(...page.items);
      cursor.value = page.nextCursor;
      finished.value = !page.nextCursor;
    } catch {
      if (mine === generation) failed.value = true;
    } finally {
      if (mine === generation) {
        loading.value = false;
        refreshing.value = false;
      }
    }
  }

  function reload(): void {
    generation++;
    items.value = [];
    cursor.value = null;
    finished.value = false;
    failed.value = false;
    void loadMore();
  }

  return { items, loading, finished, failed, refreshing, loadMore, reload };
}
