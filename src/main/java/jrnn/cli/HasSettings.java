package jrnn.cli;

import jrnn.frame.SettingsSchema;

/** A command whose options include an application's settings, made from their declarations. */
interface HasSettings {
  SettingsSchema schema();
}
