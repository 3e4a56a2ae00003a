// Gap-tolerant counters for human-facing numbers (contract numbers): one atomic $inc per number,
// safe across processes, no transaction needed.
import { Schema, type Connection, type Model } from 'mongoose';

interface Sequence {
  _id: string;
  value: number;
}

const sequenceSchema = new Schema<Sequence>({ _id: { type: String, required: true }, value: { type: Number, required: true } }, { versionKey: false });

export type SequenceModel = Model<Sequence>;

export function defineSequenceModel(connection: Connection): SequenceModel {
  return connection.model<Sequence>('Sequence', sequenceSchema, 'sequences');
}

/** The next value of the named counter, starting at 1. */
export async function nextInSequence(sequences: SequenceModel, name: string): Promise<number> {
  const doc = await sequences.findOneAndUpdate({ _id: name }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' }).lean<Sequence>().orFail();
  return doc.value;
}
