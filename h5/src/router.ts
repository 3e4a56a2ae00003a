import { createRouter, createWebHashHistory } from 'vue-router';
import Home from './pages/Home.vue';
import { useAuth } from './stores/auth.ts';

// Home is the first screen and ships in the entry chunk; every other page loads when opened.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'home', component: Home, meta: { tab: true } },
    { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { public: true } },
    { path: '/customers', name: 'customers', component: () => import('./pages/Customers.vue'), meta: { tab: true } },
    { path: '/customers/new', name: 'customer-new', component: () => import('./pages/CustomerForm.vue') },
    { path: '/customers/:id', name: 'customer', component: () => import('./pages/CustomerDetail.vue') },
    { path: '/customers/:id/edit', name: 'customer-edit', component: () => import('./pages/CustomerForm.vue') },
    { path: '/customers/:id/follow-up', name: 'follow-up', component: () => import('./pages/FollowUpForm.vue') },
    { path: '/contracts/new', name: 'contract-new', component: () => import('./pages/ContractForm.vue') },
    { path: '/contracts/:id', name: 'contract', component: () => import('./pages/ContractDetail.vue') },
    { path: '/contracts/:id/edit', name: 'contract-edit', component: () => import('./pages/ContractForm.vue') },
    { path: '/opportunities', name: 'opportunities', component: () => import('./pages/Opportunities.vue'), meta: { tab: true } },
    { path: '/opportunities/new', name: 'opportunity-new', component: () => import('./pages/OpportunityForm.vue') },
    { path: '/opportunities/:id', name: 'opportunity', component: () => import('./pages/OpportunityDetail.vue') },
    { path: '/opportunities/:id/edit', name: 'opportunity-edit', component: () => import('./pages/OpportunityForm.vue') },
    { path: '/approvals', name: 'approvals', component: () => import('./pages/Approvals.vue') },
    { path: '/approvals/:id', name: 'approval', component: () => import('./pages/ApprovalDetail.vue') },
    { path: '/messages', name: 'messages', component: () => import('./pages/Messages.vue'), meta: { tab: true } },
    { path: '/me', name: 'me', component: () => import('./pages/Me.vue'), meta: { tab: true } },
    { path: '/queue', name: 'queue', component: () => import('./pages/Queue.vue') },
    { path: '/settings', name: 'settings', component: () => import('./pages/Settings.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const auth = useAuth();
  if (!auth.checked) {
    try {
      await auth.load();
    } catch {
      return true; // offline at start: the page shows its own error state and the queue keeps working
    }
  }
  return auth.me ? true : { name: 'login', query: { next: to.fullPath } };
});
