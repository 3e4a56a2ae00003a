import { Schema, type Connection, type Model } from 'mongoose';

export interface SettingsDocument {
  _id: string;
  value: Record<string, unknown>;
  updatedAt?: Date;
}

const settingsSchema = new Schema<SettingsDocument>(
  { _id: { type: String, required: true }, value: { type: Schema.Types.Mixed, default: {} }, updatedAt: Date },
  { versionKey: false, minimize: false },
);

export type SettingsModel = Model<SettingsDocument>;

export function defineSettingsModel(connection: Connection): SettingsModel {
  return connection.model<SettingsDocument>('Settings', settingsSchema, 'settings');
}
