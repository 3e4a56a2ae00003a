// Dictionaries: seeded defaults, admin edits, and the check that an entered value is in one.
import { compactKey } from '../standards/index.ts';
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

  /**
   * Maps free text to a dictionary value: the value itself, either label, or a synonym (IT → 互联网),
   * compared without width, case, spaces or punctuation. Dictionaries stored before synonyms existed
   * use the default synonyms of the same value. Inactive values are not matched.
   */
  async resolver(types: readonly DictionaryType[]): Promise<(type: DictionaryType, text: string) => string | null> {
    const stored = await this.deps.dictionaries.find({ _id: { $in: types } }).lean<Dictionary[]>();
    const byType = new Map(stored.map((d) => [d._id, d]));
    const tables = new Map<DictionaryType, Map<string, string>>();
    for (const type of types) {
      const table = new Map<string, string>();
      const defaults = new Map(defaultDictionaries[type].entries.map((e) => [e.value, e.synonyms ?? []]));
      for (const entry of (byType.get(type) ?? { entries: defaultDictionaries[type].entries }).entries) {
        if (!entry.active) continue;
        const words = [entry.value, entry.label.zh, entry.label.en, ...(entry.synonyms ?? defaults.get(entry.value) ?? [])];
        // the value and labels win over another entry's synonym
        words.forEach((word, i) => {
          const key = compactKey(word);
          if (key && (i < 3 || !table.has(key))) table.set(key, entry.value);
        });
      }
      tables.set(type, table);
    }
    return (type, text) => tables.get(type)?.get(compactKey(text)) ?? null;
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
