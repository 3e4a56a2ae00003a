import type zhCN from './zh-CN.ts';

const en: typeof zhCN = {
  app: { name: 'Kemai' },
  tabs: { home: 'Home', customers: 'Customers', messages: 'Messages', me: 'Me' },
  common: {
    retry: 'Retry', loading: 'Loading…', empty: 'Nothing here yet', loadFailed: 'Could not load', noMore: 'No more', save: 'Save', cancel: 'Cancel',
    confirm: 'OK', edit: 'Edit', search: 'Search', filter: 'Filter', all: 'All', offline: 'You are offline',
  },
  login: { title: 'Sign in as a demo user', devOnly: 'Dev login (local only)', unavailable: 'Open Kemai from the WeCom or DingTalk workbench' },
  home: { due: 'Due today', overdue: 'Overdue', idle: 'Idle for 7+ days', incomplete: 'Missing details', recent: 'Recent activity', pending: '{n} waiting to sync' },
  stage: { lead: 'Lead', prospect: 'Prospect', customer: 'Customer', lost: 'Lost' },
  method: { call: 'Call', visit: 'Visit', wechat: 'WeChat', email: 'Email', meeting: 'Meeting', other: 'Other' },
  customers: {
    mine: 'Mine', team: 'Team', pool: 'Pool', searchPlaceholder: 'Name / phone / pinyin initials', new: 'New customer', claim: 'Claim',
    claimed: 'Claimed', lastFollowUp: 'followed up {n} days ago', neverFollowed: 'never followed up', today: 'followed up today', sort: 'Sort',
    sortUpdated: 'Recently updated', sortCreated: 'Recently created', sortIdle: 'Longest idle', sortName: 'Name',
  },
  filters: { stage: 'Stage', level: 'Level', industry: 'Industry', region: 'Region', idleDays: 'Idle days', owner: 'Owner', reset: 'Reset', apply: 'Apply' },
  detail: {
    call: 'Call', followUp: 'Follow up', checkIn: 'Check in', release: 'Release to pool', releaseReason: 'Reason', transfer: 'Transfer',
    contacts: 'Contacts', timeline: 'Timeline', owner: 'Owner', noContacts: 'No contacts yet', addContact: 'Add contact', pool: 'Pool customer',
    contracts: 'Contracts', noContracts: 'No contracts yet', newContract: 'New contract',
  },
  timeline: {
    created: 'created the customer', followUp: '{method} follow-up', stageChanged: 'stage {from} → {to}', ownerChanged: 'owner changed', released: 'released to the pool',
    claimed: 'claimed from the pool', contactAdded: 'added contact {name}', contactUpdated: 'updated contact {name}', contactRemoved: 'removed contact {name}',
  },
  form: {
    type: 'Type', company: 'Company', person: 'Person', name: 'Name', industry: 'Industry', source: 'Source', level: 'Level', stage: 'Stage',
    region: 'Region', address: 'Address', phone: 'Phone', email: 'Email', tags: 'Tags', notes: 'Notes', required: 'Required',
    invalidPhone: 'Not a valid phone number', invalidEmail: 'Not a valid email address', choose: 'Choose',
    duplicate: 'Exists already: {name} (owner: {owner})', duplicatePool: 'Exists already: {name} (in the pool)', missing: 'Still to complete: {fields}',
    saved: 'Saved',
  },
  followUp: {
    title: 'Follow-up', visitTitle: 'Visit check-in', method: 'Method', contact: 'Contact', content: 'What happened', result: 'Result', next: 'Next follow-up',
    stage: 'New stage', location: 'Location', locate: 'Get location', locating: 'Locating…', accuracy: '±{n} m', noLocation: 'No location',
    noLocationReason: 'Why there is no location', photos: 'Photos (up to 9)', submit: 'Submit', saved: 'Saved', queued: 'Offline: saved to sync later',
    reasonRequired: 'Say why there is no location',
  },
  queue: { title: 'Waiting to sync', empty: 'Nothing waiting', retry: 'Retry', discard: 'Discard', failed: 'Failed: {reason}', syncing: 'Syncing…', synced: '{n} synced' },
  me: { language: 'Language', logout: 'Sign out', settings: 'Settings', approvals: 'Approvals', role: { rep: 'Sales rep', manager: 'Manager', director: 'Director', admin: 'Admin', service: 'Service' } },
  messages: { empty: 'No messages' },
  contract: {
    new: 'New contract', edit: 'Edit contract', title: 'Title', number: 'Number', customer: 'Customer', amount: 'Amount', amountYuan: 'Amount (¥)', amountPlaceholder: 'e.g. 150000.00',
    owner: 'Owner', status: 'Status', signedOn: 'Signed on', startOn: 'Starts on', endOn: 'Ends on', received: 'Received', outstanding: 'Outstanding',
    items: 'Line items', itemLine: '{quantity} × {price}', terminationReason: 'Reason for termination', noDate: 'Not set',
    plan: 'Payment plan', instalment: 'Instalment {no}', dueOn: 'Due on', planAmount: 'Amount', planAmountYuan: 'Amount (¥)', addInstalment: 'Add an instalment', removeInstalment: 'Remove instalment',
    planSum: 'Plan total {sum}, contract amount {amount}', planDiff: 'The payment plan does not add up to the contract amount: {diff} short', planOver: 'The payment plan exceeds the contract amount by {diff}',
    planMatches: 'The payment plan adds up to the contract amount', noPlan: 'No payment plan yet', invalidAmount: 'Enter an amount with at most two decimals, e.g. 150000.00',
    chooseDate: 'Choose a date', clearDate: 'Clear', submit: 'Submit for approval', submitConfirm: 'Once submitted, the contract cannot be changed while it is being approved', submitted: 'Submitted for approval',
    approvals: 'Approval history', noApprovals: 'Not submitted yet', openApproval: 'Open approval',
  },
  contractStatus: { draft: 'Draft', pending: 'Pending approval', approved: 'Approved', rejected: 'Rejected', active: 'Active', completed: 'Completed', terminated: 'Terminated' },
  approvals: {
    title: 'Approvals', todo: 'To approve', mine: 'Submitted', done: 'Decided', submitter: 'Submitted by', submittedAt: 'Submitted at', decidedAt: 'Decided at',
    contract: 'Contract', viewContract: 'Open contract', steps: 'Steps', approvers: 'Approvers', approve: 'Approve', reject: 'Reject', withdraw: 'Withdraw',
    withdrawConfirm: 'The contract goes back to draft; it can be changed and submitted again', withdrawn: 'Withdrawn', comment: 'Comment', approveTitle: 'Approve the contract',
    rejectTitle: 'Reject the contract', commentOptional: 'Optional', rejectPlaceholder: 'Say why it is rejected', decided: 'Done: {result}',
    notYours: 'This approval has been decided or is not waiting for you', waitingFor: 'Waiting for {names}', stepMode: { any: 'any one approves', all: 'everyone approves' },
    via: { app: 'in the app', wecom: 'WeCom', dingtalk: 'DingTalk', dev: 'message card' },
  },
  approvalStatus: { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', withdrawn: 'Withdrawn' },
  stepStatus: { waiting: 'Not started', pending: 'In progress', approved: 'Approved', rejected: 'Rejected' },
  decision: { approve: 'Approve', reject: 'Reject' },
  settings: {
    pool: 'Public pool rules', dailyClaimLimit: 'Claims per day', holdingLimit: 'Customers held at most', cooldownDays: 'Re-claim cool-down (days)',
    organisation: 'Organisation', sync: 'Sync contacts', syncHint: 'Departments and people from WeCom or DingTalk; also every night at 2:00',
    synced: '{created} added, {updated} updated, {left} left',
    rule: { staleCustomers: 'Follow-up reminders', followUpDue: 'Due today', poolReclaim: 'Pool reclaim', birthday: 'Birthdays', dataQuality: 'Missing details', dailyDigest: 'Daily digest',
      paymentDue: 'Payments due', opportunityIdle: 'Idle opportunities', contractEnding: 'Contracts ending' },
    days: 'Days',
    enabled: 'On', daysFor: '{stage} (days)', daysAhead: 'Days ahead', quietHours: 'Quiet hours', quietWeekends: 'Quiet at weekends',
    preview: 'Preview', previewResult: 'A run now would send {cards} cards and reclaim {reclaim} customers',
  },
};

export default en;
