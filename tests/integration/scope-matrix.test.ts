// The data-scope matrix: for every demo login and every customer endpoint, what must be visible
// and what must not. Later features extend this file with their endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoLogins, demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
type Fixture = 'east1' | 'east2' | 'south1' | 'director' | 'pool';

let t: TestApp;
let tokens: Record<DemoLogin, string>;
const customers = {} as Record<Fixture, { id: string; name: string; contactId: string }>;

/** Who sees each customer in full (the pool customer is seen by reps and managers in a limited view). */
const fullAccess: Record<DemoLogin, Fixture[]> = {
  admin: ['east1', 'east2', 'south1', 'director', 'pool'], // everything, the pool included
  director: ['east1', 'east2', 'south1', 'director', 'pool'],
  'manager.east': ['east1', 'east2'],
  'manager.south': ['south1'],
  'rep.east1': ['east1'],
  'rep.east2': ['east2'],
  'rep.east3': ['east2'], // collaborator
  'rep.south1': ['south1'],
  'rep.south2': [],
  'rep.south3': [],
  service1: ['east1'], // through the ticket assigned to them
};
const fixtures: Fixture[] = ['east1', 'east2', 'south1', 'director', 'pool'];

/** Contracts are seen by their owner, the managers above and the people they are routed to for approval. */
type ContractFixture = 'east1' | 'east2' | 'south1';
const contracts = {} as Record<ContractFixture, { id: string; approvalId: string }>;
const opportunities = {} as Record<ContractFixture, string>;
let ticketId = '';
let segmentId = '';
/** Tickets are seen by whoever sees their customer, their assignee, and the assignee's managers. */
const ticketAccess: Record<DemoLogin, boolean> = {
  admin: true,
  director: true,
  'manager.east': true,
  'manager.south': false,
  'rep.east1': true,
  'rep.east2': false,
  'rep.east3': false,
  'rep.south1': false,
  'rep.south2': false,
  'rep.south3': false,
  service1: true,
};
/** Opportunities follow the same owner rule (with nobody routed in). */
const contractAccess: Record<DemoLogin, ContractFixture[]> = {
  admin: ['east1', 'east2', 'south1'],
  director: ['east1', 'east2', 'south1'],
  'manager.east': ['east1', 'east2'],
  'manager.south': ['south1'],
  'rep.east1': ['east1'],
  'rep.east2': ['east2'],
  'rep.east3': [], // a collaborator on the customer is not on its contracts
  'rep.south1': ['south1'],
  'rep.south2': [],
  'rep.south3': [],
  service1: [],
};
const seesPool = (login: DemoLogin) => login !== 'service1';

beforeAll(async () => {
  t = await startTestApp();
  tokens = await demoTokens(t);
  const ids = await demoUserIds(t);
  const make = async (fixture: Fixture, login: DemoLogin, extra: Json = {}) => {
    const name = `范围矩阵${fixture}科技有限公司`;
    const response = await t.request('/api/customers', {
      method: 'POST',
      token: tokens[login],
      json: { type: 'company', name, industry: '金融', source: '官网', phones: [`1370000${fixtures.indexOf(fixture)}000`], ...extra },
    });
    expect(response.status, fixture).toBe(201);
    const id = ((await response.json()) as Json).id;
    const contact = await t.request(`/api/customers/${id}/contacts`, { method: 'POST', token: tokens[login], json: { name: `${fixture}联系人`, phones: ['13600000000'] } });
    expect(contact.status).toBe(201);
    const followUp = await t.request(`/api/customers/${id}/follow-ups`, { method: 'POST', token: tokens[login], json: { method: 'call', content: `${fixture} 跟进` } });
    expect(followUp.status).toBe(201);
    customers[fixture] = { id, name, contactId: ((await contact.json()) as Json).id };
  };
  await make('east1', 'rep.east1');
  await make('east2', 'rep.east2', { collaboratorIds: [ids['rep.east3']] });
  await make('south1', 'rep.south1');
  await make('director', 'director');
  await make('pool', 'rep.south2');
  expect((await t.request(`/api/customers/${customers.pool.id}/release`, { method: 'POST', token: tokens['rep.south2'], json: { reason: '测试' } })).status).toBe(200);
  // a contract on each team's customer; east1's and south1's are in approval
  for (const [fixture, login] of [['east1', 'rep.east1'], ['east2', 'rep.east2'], ['south1', 'rep.south1']] as const) {
    const response = await t.request('/api/contracts', {
      method: 'POST',
      token: tokens[login],
      json: { customerId: customers[fixture].id, title: `范围矩阵${fixture}合同`, amount: '150000', plan: [{ dueOn: '2026-12-31', amount: '150000' }] },
    });
    expect(response.status, fixture).toBe(201);
    contracts[fixture] = { id: ((await response.json()) as Json).id, approvalId: '' };
    if (fixture !== 'east2') {
      const submitted = await t.request(`/api/contracts/${contracts[fixture].id}/submit`, { method: 'POST', token: tokens[login] });
      expect(submitted.status, fixture).toBe(201);
      contracts[fixture].approvalId = ((await submitted.json()) as Json).id;
    }
    const opportunity = await t.request('/api/opportunities', { method: 'POST', token: tokens[login], json: { customerId: customers[fixture].id, title: `范围矩阵${fixture}商机`, amount: '1000' } });
    expect(opportunity.status, fixture).toBe(201);
    opportunities[fixture] = ((await opportunity.json()) as Json).id;
  }
  // a service ticket on east1's customer, taken by service1: service reaches customers through tickets
  const ticket = await t.request('/api/tickets', { method: 'POST', token: tokens['rep.east1'], json: { customerId: customers.east1.id, category: '故障报修', description: '范围矩阵工单' } });
  expect(ticket.status).toBe(201);
  ticketId = ((await ticket.json()) as Json).id;
  expect((await t.request(`/api/tickets/${ticketId}/assign`, { method: 'POST', token: tokens.service1, json: { assigneeId: ids.service1 } })).status).toBe(200);
  const segment = await t.request('/api/segments', { method: 'POST', token: tokens.admin, json: { name: '范围矩阵分群', shared: true, filter: { keyword: '范围矩阵' } } });
  expect(segment.status).toBe(201);
  segmentId = ((await segment.json()) as Json).id;
});
afterAll(() => t.close());

const get = async (login: DemoLogin, path: string) => {
  const response = await t.request(path, { token: tokens[login] });
  return { status: response.status, body: (await response.json().catch(() => null)) as Json };
};

describe.each(demoLogins)('%s', (login) => {
  const full = () => fullAccess[login];

  it('GET /api/customers lists exactly the customers in scope', async () => {
    const { status, body } = await get(login, '/api/customers?limit=100&keyword=范围矩阵');
    expect(status).toBe(200);
    const names = body.items.map((c: Json) => c.name).sort();
    expect(names).toEqual(full().map((f) => customers[f].name).sort());
  });

  it('GET /api/customers/:id: full in scope, limited in the pool, 404 otherwise', async () => {
    for (const fixture of fixtures) {
      const { status, body } = await get(login, `/api/customers/${customers[fixture].id}`);
      if (full().includes(fixture)) {
        expect([fixture, status, body.access]).toEqual([fixture, 200, 'full']);
      } else if (fixture === 'pool' && seesPool(login)) {
        expect([fixture, status, body.access]).toEqual([fixture, 200, 'pool']);
        expect(body.phones[0]).toContain('****');
      } else {
        expect([fixture, status]).toEqual([fixture, 404]);
        expect(body.error.code).toBe('NOT_FOUND');
      }
    }
  });

  it('contacts, follow-ups and timeline follow the customer', async () => {
    for (const fixture of fixtures) {
      const expected = full().includes(fixture) ? 200 : 404;
      for (const path of ['contacts', 'follow-ups', 'timeline']) {
        const { status } = await get(login, `/api/customers/${customers[fixture].id}/${path}`);
        expect([fixture, path, status]).toEqual([fixture, path, expected]);
      }
      const contactEdit = await t.request(`/api/contacts/${customers[fixture].contactId}`, { method: 'PATCH', token: tokens[login], json: { position: '采购' } });
      const editExpected = login === 'service1' ? 403 : expected;
      expect([fixture, 'PATCH contact', contactEdit.status]).toEqual([fixture, 'PATCH contact', editExpected]);
    }
  });

  it('PATCH and DELETE never touch a customer outside the scope', async () => {
    for (const fixture of fixtures) {
      const patch = await t.request(`/api/customers/${customers[fixture].id}`, { method: 'PATCH', token: tokens[login], json: { website: 'https://example.cn' } });
      const expected = login === 'service1' ? 403 : full().includes(fixture) ? 200 : 404;
      expect([fixture, 'PATCH', patch.status]).toEqual([fixture, 'PATCH', expected]);
      if (!full().includes(fixture)) {
        const del = await t.request(`/api/customers/${customers[fixture].id}`, { method: 'DELETE', token: tokens[login] });
        expect([fixture, 'DELETE', del.status]).toEqual([fixture, 'DELETE', ['admin', 'director', 'manager.east', 'manager.south'].includes(login) ? 404 : 403]);
      }
    }
  });

  it('search finds only what the caller may see, by name and by phone', async () => {
    for (const fixture of fixtures.filter((f) => f !== 'pool')) {
      const { body } = await get(login, `/api/search?q=${encodeURIComponent(`范围矩阵${fixture}`)}`);
      const found = body.customers.map((c: Json) => c.id);
      expect([fixture, found.includes(customers[fixture].id)]).toEqual([fixture, full().includes(fixture)]);
      const byPhone = await get(login, `/api/search?q=137-0000-${fixtures.indexOf(fixture)}000`);
      expect(byPhone.body.customers.some((c: Json) => c.id === customers[fixture].id)).toBe(full().includes(fixture));
      const contacts = await get(login, `/api/search?q=${encodeURIComponent(`${fixture}联系人`)}`);
      expect(contacts.body.contacts.some((c: Json) => c.id === customers[fixture].contactId)).toBe(full().includes(fixture));
    }
  });

  it('the duplicate check names the owner but reveals nothing more outside the scope', async () => {
    for (const fixture of fixtures) {
      const { body } = await get(login, `/api/customers/check-duplicate?name=${encodeURIComponent(customers[fixture].name)}`);
      expect(body.matches).toHaveLength(1);
      expect(Object.keys(body.matches[0]).sort()).toEqual(['id', 'inPool', 'matchedBy', 'name', 'owner', 'visible']);
      expect(body.matches[0].visible).toBe(full().includes(fixture));
    }
  });

  it('audit reads are for managers and admins, within their scope', async () => {
    for (const fixture of fixtures.filter((f) => f !== 'pool')) {
      const { status } = await get(login, `/api/audit?entity=customer&id=${customers[fixture].id}`);
      const mayAudit = ['admin', 'director', 'manager.east', 'manager.south'].includes(login);
      expect([fixture, status]).toEqual([fixture, !mayAudit ? 403 : full().includes(fixture) ? 200 : 404]);
    }
  });

  it('writes on a customer outside the scope answer 404 and change nothing', async () => {
    for (const fixture of fixtures) {
      const id = customers[fixture].id;
      const followUp = await t.request(`/api/customers/${id}/follow-ups`, { method: 'POST', token: tokens[login], json: { method: 'call', content: `${login} 矩阵跟进` } });
      const contact = await t.request(`/api/customers/${id}/contacts`, { method: 'POST', token: tokens[login], json: { name: `${login}矩阵联系人` } });
      const expected = login === 'service1' ? 403 : full().includes(fixture) ? 201 : 404;
      expect([fixture, followUp.status, contact.status]).toEqual([fixture, expected, expected]);
    }
    const stray = await t.inspect.followUps.countDocuments({ content: `${login} 矩阵跟进` });
    expect(stray).toBe(login === 'service1' ? 0 : full().length);
  });

  it('pool moves: release needs the owner or a manager in scope; claim needs the pool', async () => {
    for (const fixture of fixtures.filter((f) => f !== 'pool')) {
      const claim = await t.request(`/api/customers/${customers[fixture].id}/claim`, { method: 'POST', token: tokens[login] });
      expect([fixture, 'claim', claim.status]).toEqual([fixture, 'claim', login === 'service1' ? 403 : full().includes(fixture) ? 409 : 404]);
      const transfer = await t.request(`/api/customers/${customers[fixture].id}/transfer`, { method: 'POST', token: tokens[login], json: { toUserId: '000000000000000000000000' } });
      const mayTransfer = ['admin', 'director', 'manager.east', 'manager.south'].includes(login);
      expect([fixture, 'transfer', transfer.status]).toEqual([fixture, 'transfer', !mayTransfer ? 403 : full().includes(fixture) ? 400 : 404]);
    }
    const pool = await get(login, '/api/pool');
    expect(pool.body.items.some((c: Json) => c.id === customers.pool.id)).toBe(seesPool(login));
  });

  it('offers only the people the caller may assign customers to', async () => {
    const { body } = await get(login, '/api/users');
    const logins = body.items.map((u: Json) => u.login).sort();
    const expected: Record<string, string[]> = {
      'manager.east': ['manager.east', 'rep.east1', 'rep.east2', 'rep.east3'],
      'manager.south': ['manager.south', 'rep.south1', 'rep.south2', 'rep.south3'],
    };
    if (login === 'admin' || login === 'director') expect(logins).toHaveLength(11);
    else expect(logins).toEqual(expected[login] ?? [login]);
  });

  it('contracts, their approvals and payments: only within the contract scope', async () => {
    const listed = (await get(login, '/api/contracts?limit=100')).body.items.map((c: Json) => c.id).filter((id: string) => Object.values(contracts).some((c) => c.id === id));
    expect(listed.sort()).toEqual(contractAccess[login].map((f) => contracts[f].id).sort());
    for (const fixture of ['east1', 'east2', 'south1'] as const) {
      const visible = contractAccess[login].includes(fixture);
      expect([fixture, (await get(login, `/api/contracts/${contracts[fixture].id}`)).status]).toEqual([fixture, visible ? 200 : 404]);
      expect([fixture, (await get(login, `/api/contracts/${contracts[fixture].id}/payments`)).status]).toEqual([fixture, visible ? 200 : 404]);
      expect([fixture, (await get(login, `/api/contracts/${contracts[fixture].id}/approvals`)).status]).toEqual([fixture, visible ? 200 : 404]);
      if (contracts[fixture].approvalId) expect([fixture, (await get(login, `/api/approvals/${contracts[fixture].approvalId}`)).status]).toEqual([fixture, visible ? 200 : 404]);
      if (!visible) {
        const patch = await t.request(`/api/contracts/${contracts[fixture].id}`, { method: 'PATCH', token: tokens[login], json: { version: 1, title: '越权修改' } });
        expect([fixture, patch.status]).toEqual([fixture, 404]);
        const submit = await t.request(`/api/contracts/${contracts[fixture].id}/submit`, { method: 'POST', token: tokens[login] });
        expect([fixture, submit.status]).toEqual([fixture, 404]);
      }
    }
    expect(await t.inspect.contracts.countDocuments({ title: '越权修改' })).toBe(0);
  });

  it('opportunities and the kanban: only the owner’s and their managers’', async () => {
    const listed = (await get(login, '/api/opportunities?limit=100')).body.items.map((o: Json) => o.id).filter((id: string) => Object.values(opportunities).includes(id));
    expect(listed.sort()).toEqual(contractAccess[login].map((f) => opportunities[f]).sort());
    const board = (await get(login, '/api/opportunities/board')).body.columns.flatMap((c: Json) => c.items.map((i: Json) => i.id)).filter((id: string) => Object.values(opportunities).includes(id));
    expect(board.sort()).toEqual(contractAccess[login].map((f) => opportunities[f]).sort());
    for (const fixture of ['east1', 'east2', 'south1'] as const) {
      const visible = contractAccess[login].includes(fixture);
      expect([fixture, (await get(login, `/api/opportunities/${opportunities[fixture]}`)).status]).toEqual([fixture, visible ? 200 : 404]);
      if (!visible) {
        const moved = await t.request(`/api/opportunities/${opportunities[fixture]}/stage`, { method: 'POST', token: tokens[login], json: { stage: 'needs' } });
        expect([fixture, moved.status]).toEqual([fixture, 404]);
      }
    }
  });

  it('service tickets: with their customer, their assignee and the managers above', async () => {
    const { status } = await get(login, `/api/tickets/${ticketId}`);
    expect(status).toBe(ticketAccess[login] ? 200 : 404);
    const listed = (await get(login, '/api/tickets?limit=100')).body.items.map((i: Json) => i.id);
    expect(listed.includes(ticketId)).toBe(ticketAccess[login]);
    if (!ticketAccess[login]) {
      const moved = await t.request(`/api/tickets/${ticketId}/transition`, { method: 'POST', token: tokens[login], json: { action: 'close' } });
      expect(moved.status).toBe(404);
    }
  });

  it('tags, behaviour and segments: tag only what is in scope; a shared segment counts only the caller’s customers', async () => {
    for (const fixture of fixtures) {
      const visible = full().includes(fixture);
      expect([fixture, (await get(login, `/api/customers/${customers[fixture].id}/tags`)).status]).toEqual([fixture, visible ? 200 : 404]);
      expect([fixture, (await get(login, `/api/customers/${customers[fixture].id}/behaviour`)).status]).toEqual([fixture, visible ? 200 : 404]);
      if (!visible) {
        const tagged = await t.request(`/api/customers/${customers[fixture].id}/tags`, { method: 'POST', token: tokens[login], json: { add: ['越权标签'] } });
        expect([fixture, tagged.status]).toEqual([fixture, login === 'service1' ? 403 : 404]);
      }
    }
    expect(await t.inspect.customers.countDocuments({ tags: '越权标签' })).toBe(0);
    const segment = await get(login, `/api/segments/${segmentId}`);
    expect(segment.status).toBe(200);
    expect(segment.body.count).toBe(full().length);
  });

  it('a rep’s own activity shows only their follow-ups', async () => {
    const { status, body } = await get(login, '/api/follow-ups?mine=1');
    expect(status).toBe(200);
    const me = (await get(login, '/api/me')).body;
    expect(body.items.every((f: Json) => f.createdBy.id === me.id)).toBe(true);
  });
});
