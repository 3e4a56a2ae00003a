// Dictionaries: seeded defaults, admin edits, and the check that an entered value is in one.
import { AppError } from '../../core/errors.ts';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { defaultDictionaries, dictionaryTypes, type DictionaryType } from './defaults.ts';
import type { Dictionary, DictionaryEntry, DictionaryModel } from './dictionary.model.ts';

export interface DictionaryDeps {
  dictionaries: DictionaryModel;
  clock: Clock;
}

export class DictionaryService {
  private readonly deps: DictionaryDeps;

  constructor(deps: DictionaryDeps) {
    this.deps = deps;
  }

  /** Inserts the defaults of every dictionary that does not exist yet; leaves edited ones alone. */
  async seedDefaults(): Promise<void> {
    await this.deps.dictionaries.bulkWrite(
      dictionaryTypes.map((type) => ({
        updateOne: {
          filter: { _id: type },
          update: { $setOnInsert: { _id: type, ...defaultDictionaries[type] } },
          upsert: true,
        },
      })),
    );
  }

  async list(): Promise<Dictionary[]> {
    const stored = await this.deps.dictionaries.find({}).lean<Dictionary[]>();
    const byType = new Map(stored.map((d) => [d._id, d]));
    return dictionaryTypes.map((type) => byType.get(type) ?? { _id: type, ...defaultDictionaries[type] });
  }

  async get(type: DictionaryType): Promise<Dictionary> {
    const stored = await this.deps.dictionaries.findById(type).lean<Dictionary>();
    return stored ?? { _id: type, ...defaultDictionaries[type] };
  }

  /** The active values of several dictionaries, in one query. */
  async activeValues(types: readonly DictionaryType[]): Promise<Map<DictionaryType, Set<string>>> {
    const stored = await this.deps.dictionaries.find({ _id: { $in: types } }).lean<Dictionary[]>();
    const byType = new Map(stored.map((d) => [d._id, d]));
    return new Map(
      types.map((type) => {
        const dictionary = byType.get(type) ?? { _id: type, ...defaultDictionaries[type] };
        return [type, new Set(dictionary.entries.filter((e) => e.active).map((e) => e.value))];
      }),
    );
  }

  async replaceEntries(scope: RequestScope, type: DictionaryType, entries: DictionaryEntry[]): Promise<Dictionary> {
    scope.require('settings.manage');
    const current = await this.get(type);
    const values = entries.map((e) => e.value);
    if (new Set(values).size !== values.length) {
      throw new AppError('VALIDATION', { messageKey: 'error.dictionary.duplicateValue' });
    }
    if (current.locked) {
      const before = current.entries.map((e) => e.value).sort().join('\n');
      if (before !== [...values].sort().join('\n')) {
        throw new AppError('VALIDATION', { messageKey: 'error.dictionary.locked' });
      }
    }
    const ordered = entries.map((entry, order) => ({ ...entry, order }));
    return this.deps.dictionaries
      .findOneAndUpdate(
        { _id: type },
        { $set: { entries: ordered, locked: current.locked, updatedAt: this.deps.clock.now(), updatedBy: scope.user.id } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<Dictionary>()
      .orFail();
  }
}
