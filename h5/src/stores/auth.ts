import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, ApiError } from '../api/client.ts';
import type { Me } from '../api/types.ts';

export const useAuth = defineStore('auth', () => {
  const me = ref<Me | null>(null);
  const checked = ref(false);

  async function load(): Promise<Me | null> {
    try {
      me.value = await api<Me>('/api/me');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      me.value = null;
    }
    checked.value = true;
    return me.value;
  }

  async function devLogin(login: string): Promise<void> {
    await api('/api/auth/dev-login', { method: 'POST', body: { login } });
    await load();
  }

  async function logout(): Promise<void> {
    await api('/api/auth/logout', { method: 'POST' });
    me.value = null;
  }

  const can = (permission: string) => !!me.value?.permissions.includes(permission as Me['permissions'][number]);
  const isManager = () => ['manager', 'director', 'admin'].includes(me.value?.role ?? '');

  return { me, checked, load, devLogin, logout, can, isManager };
});
