import { createRouter, createWebHashHistory } from 'vue-router';
import Home from './pages/Home.vue';
import { useAuth } from './stores/auth.ts';
import { loadAdminMessages } from './i18n/index.ts';

/** A settings page: loads with the settings messages, and only for admins (settings.manage). */
const admin = <T>(load: () => Promise<T>) => () => Promise.all([load(), loadAdminMessages()]).then(([page]) => page);

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
    { path: '/customers/:id/merge', name: 'customer-merge', component: () => import('./pages/Merge.vue') },
    { path: '/duplicates', name: 'duplicates', component: () => import('./pages/Duplicates.vue') },
    { path: '/customers/:id/follow-up', name: 'follow-up', component: () => import('./pages/FollowUpForm.vue') },
    { path: '/contracts/new', name: 'contract-new', component: () => import('./pages/ContractForm.vue') },
    { path: '/contracts/:id', name: 'contract', component: () => import('./pages/ContractDetail.vue') },
    { path: '/contracts/:id/edit', name: 'contract-edit', component: () => import('./pages/ContractForm.vue') },
    { path: '/opportunities', name: 'opportunities', component: () => import('./pages/Opportunities.vue'), meta: { tab: true } },
    { path: '/opportunities/new', name: 'opportunity-new', component: () => import('./pages/OpportunityForm.vue') },
    { path: '/opportunities/:id', name: 'opportunity', component: () => import('./pages/OpportunityDetail.vue') },
    { path: '/opportunities/:id/edit', name: 'opportunity-edit', component: () => import('./pages/OpportunityForm.vue') },
    { path: '/tickets', name: 'tickets', component: () => import('./pages/Tickets.vue'), meta: { tab: 'service' } },
    { path: '/tickets/new', name: 'ticket-new', component: () => import('./pages/TicketForm.vue') },
    { path: '/tickets/:id', name: 'ticket', component: () => import('./pages/TicketDetail.vue') },
    { path: '/segments', name: 'segments', component: () => import('./pages/Segments.vue') },
    { path: '/approvals', name: 'approvals', component: () => import('./pages/Approvals.vue') },
    { path: '/approvals/:id', name: 'approval', component: () => import('./pages/ApprovalDetail.vue') },
    { path: '/messages', name: 'messages', component: () => import('./pages/Messages.vue'), meta: { tab: true } },
    { path: '/me', name: 'me', component: () => import('./pages/Me.vue'), meta: { tab: true } },
    { path: '/queue', name: 'queue', component: () => import('./pages/Queue.vue') },
    { path: '/leads', name: 'leads', component: () => import('./pages/Leads.vue') },
    { path: '/leads/new', name: 'lead-new', component: () => import('./pages/LeadForm.vue') },
    { path: '/campaigns', name: 'campaigns', component: () => import('./pages/Campaigns.vue') },
    { path: '/campaigns/new', name: 'campaign-new', component: () => import('./pages/CampaignForm.vue') },
    { path: '/campaigns/:id', name: 'campaign', component: () => import('./pages/CampaignDetail.vue') },
    { path: '/reports', name: 'reports', component: () => import('./pages/Reports.vue') },
    { path: '/settings', name: 'settings', component: admin(() => import('./pages/Settings.vue')), meta: { admin: true } },
    { path: '/settings/roles', name: 'settings-roles', component: admin(() => import('./pages/settings/Roles.vue')), meta: { admin: true } },
    { path: '/settings/roles/:key', name: 'settings-role', component: admin(() => import('./pages/settings/RoleDetail.vue')), meta: { admin: true } },
    { path: '/settings/org', name: 'settings-org', component: admin(() => import('./pages/settings/Org.vue')), meta: { admin: true } },
    { path: '/settings/platforms', name: 'settings-platforms', component: admin(() => import('./pages/settings/Platforms.vue')), meta: { admin: true } },
    { path: '/settings/rules', name: 'settings-rules', component: admin(() => import('./pages/settings/Rules.vue')), meta: { admin: true } },
    { path: '/settings/dictionaries', name: 'settings-dictionaries', component: admin(() => import('./pages/settings/Dictionaries.vue')), meta: { admin: true } },
    { path: '/settings/dictionaries/:type', name: 'settings-dictionary', component: admin(() => import('./pages/settings/DictionaryEdit.vue')), meta: { admin: true } },
    { path: '/settings/approval-flow', name: 'settings-approval-flow', component: admin(() => import('./pages/settings/ApprovalFlow.vue')), meta: { admin: true } },
    { path: '/settings/lead-rules', name: 'settings-lead-rules', component: admin(() => import('./pages/settings/LeadRules.vue')), meta: { admin: true } },
    { path: '/settings/import-mappings', name: 'settings-import-mappings', component: admin(() => import('./pages/settings/ImportMappings.vue')), meta: { admin: true } },
    { path: '/settings/api-tokens', name: 'settings-api-tokens', component: admin(() => import('./pages/settings/ApiTokens.vue')), meta: { admin: true } },
    { path: '/settings/webhooks', name: 'settings-webhooks', component: admin(() => import('./pages/settings/Webhooks.vue')), meta: { admin: true } },
    { path: '/settings/webhooks/:id', name: 'settings-webhook', component: admin(() => import('./pages/settings/WebhookDetail.vue')), meta: { admin: true } },
    { path: '/imports', name: 'imports', component: () => import('./pages/Imports.vue') },
    { path: '/imports/:id', name: 'import', component: () => import('./pages/ImportDetail.vue') },
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
  if (!auth.me) return { name: 'login', query: { next: to.fullPath } };
  // the server refuses the settings APIs anyway; the pages are not offered to anyone else
  if (to.meta.admin && !auth.can('settings.manage')) return { name: 'me' };
  // service staff have no use for the sales first screen: theirs is the ticket list
  if (to.name === 'home' && auth.me.role === 'service') return { name: 'tickets' };
  return true;
});

declare module 'vue-router' {
  interface RouteMeta {
    /** shows the tab bar: on every tab page, or ('service') only for service staff */
    tab?: true | 'service';
    public?: boolean;
    /** a settings page, for admins (settings.manage) */
    admin?: boolean;
  }
}
