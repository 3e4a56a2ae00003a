import { createApp } from 'vue';
import { createPinia } from 'pinia';
import 'vant/es/style/base.css';
import 'vant/es/toast/style';
import 'vant/es/dialog/style';
import './ui/app.css';
import App from './App.vue';
import { configureClient } from './api/client.ts';
import { i18n, initialLocale, setLocale } from './i18n/index.ts';
import { router } from './router.ts';
import { syncQueue } from './offline/queue.ts';

configureClient({
  locale: initialLocale,
  onUnauthenticated: () => {
    if (router.currentRoute.value.name !== 'login') void router.replace({ name: 'login', query: { next: router.currentRoute.value.fullPath } });
  },
});
void setLocale(initialLocale);

createApp(App).use(createPinia()).use(i18n).use(router).mount('#app');

// whatever a closed page left queued goes out now, and again whenever the network returns
void syncQueue();
window.addEventListener('online', () => void syncQueue());
