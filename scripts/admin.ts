import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { CITY_ROLES, ROLES, type CityRole, type Role } from '../src/db/schema/users.ts';
import { MIN_PASSWORD_LENGTH } from '../src/features/auth/password.ts';
import { AppError } from '../src/http/errors.ts';
import { translator } from '../src/http/i18n/index.ts';
import { withContext } from './cli-runtime.ts';

const USAGE = `Thư viện số — quản trị tài khoản / account administration

  npm run admin -- create-user --email EMAIL --role admin|librarian|leader [--library SLUG]
                   [--city-role city_admin|city_leader] [--name "Họ tên"] [--password-file FILE]
  npm run admin -- reset-password --email EMAIL [--password-file FILE]
  npm run admin -- list-users

The account serves the library SLUG (default: the default library) in --role.
Without --password-file the password is asked for at a prompt (not echoed).`;

// Account commands need only the database: don't start the search server for them.
const NO_SEARCH = { search: false } as const;

async function readPassword(file: string | undefined): Promise<string> {
  let password: string;
  if (file) {
    password = (await fs.readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } else {
    if (!process.stdin.isTTY) throw new Error('No terminal to ask for a password: use --password-file FILE');
    password = await prompt('Mật khẩu / Password: ');
    const again = await prompt('Nhập lại / Repeat: ');
    if (password !== again) throw new Error('Hai mật khẩu không khớp nhau / the passwords differ');
  }
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new Error(`Mật khẩu phải có ít nhất ${MIN_PASSWORD_LENGTH} ký tự / at least ${MIN_PASSWORD_LENGTH} characters`);
  return password;
}

/** Reads a line without echoing it. */
async function prompt(question: string): Promise<string> {
  process.stdout.write(question);
  let muted = true;
  const output = new Writable({
    write: (chunk, _enc, cb) => {
      if (!muted) process.stdout.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const answer = await rl.question('');
  muted = false;
  rl.close();
  process.stdout.write('\n');
  return answer;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      library: { type: 'string' },
      'city-role': { type: 'string' },
      name: { type: 'string' },
      'password-file': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 64;
  }
  switch (command) {
    case 'create-user': {
      const email = values.email?.trim().toLowerCase();
      const role = values.role as Role | undefined;
      if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error('--email is required and must be an email address');
      if (!role || !ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
      const cityRole = (values['city-role'] ?? null) as CityRole | null;
      if (cityRole && !CITY_ROLES.includes(cityRole)) throw new Error(`--city-role must be one of ${CITY_ROLES.join(', ')}`);
      const password = await readPassword(values['password-file']);
      return withContext(async (ctx) => {
        const libraries = ctx.services.libraries;
        const library = values.library ? await libraries.bySlug(values.library) : await libraries.defaultLibrary();
        if (!library) {
          console.error(`Không có thư viện / no library: ${values.library}`);
          return 1;
        }
        const displayName = values.name ?? email.split('@')[0];
        const { user } = await ctx.services.users.createUser({ email, role, cityRole, libraryId: library.id, displayName, password });
        console.log(`Đã tạo / created: #${user.id} ${user.email} (${role} @ ${library.slug}${cityRole ? `, ${cityRole}` : ''})`);
        return 0;
      }, NO_SEARCH);
    }
    case 'reset-password': {
      const email = values.email?.trim().toLowerCase();
      if (!email) throw new Error('--email is required');
      const password = await readPassword(values['password-file']);
      return withContext(async (ctx) => {
        const user = await ctx.services.users.findByEmail(email);
        if (!user) {
          console.error(`Không có tài khoản / no account: ${email}`);
          return 1;
        }
        await ctx.services.users.setPassword(user.id, password);
        console.log(`Đã đặt lại mật khẩu / password reset: ${user.email}`);
        return 0;
      }, NO_SEARCH);
    }
    case 'list-users':
      await withContext(async (ctx) => {
        const users = await ctx.services.users.listAll();
        if (users.length === 0) console.log('(chưa có tài khoản / no accounts yet)');
        const slugs = new Map((await ctx.services.libraries.list()).map((l) => [l.id, l.slug]));
        for (const u of users) {
          const state = u.disabled_at ? 'disabled' : u.password_hash ? 'active' : 'invited';
          const roles = [...(await ctx.services.users.membershipsOf(u.id))].map(([id, role]) => `${role}@${slugs.get(id)}`);
          if (u.city_role) roles.unshift(u.city_role);
          console.log(`#${u.id}\t${u.email}\t${roles.join(',')}\t${state}\t${u.display_name}`);
        }
      }, NO_SEARCH);
      return 0;
    default:
      console.error(`Unknown command: ${command}\n\n${USAGE}`);
      return 64;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message =
      err instanceof AppError
        ? `${translator('vi')(err.messageKey, err.params)} ${Object.values(err.fields)
            .map((k) => translator('vi')(k))
            .join(' ')}`
        : (err as Error).message;
    console.error(`Lỗi / error: ${message}`);
    process.exit(1);
  },
);
