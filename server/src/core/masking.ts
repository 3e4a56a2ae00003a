// What people without the right to see full contact details are shown: 138****8000.
// Both leave a value that is masked already as it is: audit entries and duplicate reasons are
// stored masked, and are shown through the same field rules as live records.
export function maskPhone(phone: string): string {
  if (phone.includes('*')) return phone;
  const landline = /^(0\d{2,3})-(\d+)$/.exec(phone);
  if (landline) return `${landline[1]}-****${landline[2]!.slice(-4)}`;
  if (phone.length <= 7) return '****';
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

export function maskEmail(email: string): string {
  if (email.includes('*')) return email;
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}
