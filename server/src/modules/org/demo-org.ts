// The demo organisation seeded into an empty database. Later features and checks rely on these logins.
import type { Role } from '../../core/auth/permissions.ts';

export interface DemoDepartment {
  /** path from the root, e.g. ['总部', '销售中心', '华东大区'] */
  path: string[];
}

export interface DemoUser {
  login: string;
  name: string;
  role: Role;
  department: string[];
  isManager?: boolean;
}

export const demoDepartments: DemoDepartment[] = [
  { path: ['总部'] },
  { path: ['总部', '销售中心'] },
  { path: ['总部', '销售中心', '华东大区'] },
  { path: ['总部', '销售中心', '华南大区'] },
  { path: ['总部', '客服部'] },
];

const east = ['总部', '销售中心', '华东大区'];
const south = ['总部', '销售中心', '华南大区'];

export const demoUsers: DemoUser[] = [
  { login: 'admin', name: '系统管理员', role: 'admin', department: ['总部'] },
  { login: 'director', name: '孙浩', role: 'director', department: ['总部', '销售中心'], isManager: true },
  { login: 'manager.east', name: '张伟', role: 'manager', department: east, isManager: true },
  { login: 'manager.south', name: '陈静', role: 'manager', department: south, isManager: true },
  { login: 'rep.east1', name: '李娜', role: 'rep', department: east },
  { login: 'rep.east2', name: '王芳', role: 'rep', department: east },
  { login: 'rep.east3', name: '刘洋', role: 'rep', department: east },
  { login: 'rep.south1', name: '杨丽', role: 'rep', department: south },
  { login: 'rep.south2', name: '赵磊', role: 'rep', department: south },
  { login: 'rep.south3', name: '黄敏', role: 'rep', department: south },
  { login: 'service1', name: '周强', role: 'service', department: ['总部', '客服部'] },
];
