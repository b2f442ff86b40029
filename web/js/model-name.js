// The names of models, made in one place. How a model was made is said by modelName alone: the header names the
// model that answers with it as soon as it answers (the pretrained one, trained, tuned, uploaded), and "Your models"
// keeps it in the model's record as `label` when it is saved, so the two never tell it differently. A kept model is
// listed under that name unless you renamed it (the record's `name`); entries whose names are alike also show when
// they were saved, so that no two entries read the same.

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// "Pretrained: 784-512-256-10", "Trained here: 784-100-200-10, 2 epochs", "Tuned on your 15 digits", "Uploaded:
// mine.npz": from the model's info (worker_api's model info: training, source, metadata, sizes) as it is when the model
// answers or is saved.
export function modelName(info) {
  const { source = {}, metadata = {} } = info;
  const shape = info.sizes.join("-");
  const { epochs_completed: epochs, recipe = {}, samples_seen: seen, train_images: images } = metadata;
  // A run's weights of the moment: while it trains, the source is still the model it started from.
  if (info.training) return `Trained here: ${shape}, ${epochs} of ${plural(recipe.epochs, "epoch")}`;
  // The page's own model: listed first in "Your models" but never kept there, named as the kept ones are.
  if (source.kind === "pretrained") return `Pretrained: ${shape}`;
  if (source.kind === "uploaded") return `Uploaded: ${source.name}`;
  // Every digit you gave counts, those kept out to check it too.
  if (source.kind === "tuned") return `Tuned ${source.strength === "firm" ? "firmly " : ""}on your ${plural(source.digits, "digit")}`;
  if (source.diverged) return `Trained here: ${shape}, ${epochs} of ${plural(recipe.epochs, "epoch")}, then it diverged`;
  if (source.stopped) return `Trained here: ${shape}, stopped at ${+(seen / images).toFixed(2)} of ${plural(recipe.epochs, "epoch")}`;
  if (source.kind === "trained") return `Trained here: ${shape}, ${plural(epochs, "epoch")}`;
  return `Kept model: ${shape}`;
}

// A record's own name: yours, else the one it was saved under (records kept before names were made here say
// "a finished run" and the like).
export function ownName(record) {
  const name = record.name || record.label || "a kept model";
  return name[0].toUpperCase() + name.slice(1);
}

// When an entry was saved, in words that grow until they tell its namesakes apart: the time of day, then the date too.
const STAMPS = [{ timeStyle: "short" }, { dateStyle: "medium", timeStyle: "short" }]
  .map((options) => new Intl.DateTimeFormat(undefined, options));

// id -> the name the list shows, for records newest first: the own name, followed where others share it by the
// shortest stamp that tells them apart, else by "#1", "#2"... in the order they were saved.
export function listedNames(records) {
  const alike = new Map();
  for (const record of records) alike.set(ownName(record), [...(alike.get(ownName(record)) || []), record]);
  const names = new Map();
  for (const [name, group] of alike) {
    if (group.length === 1) {
      names.set(group[0].id, name);
      continue;
    }
    const stamps = STAMPS.map((format) => group.map((record) => format.format(new Date(record.savedAt))))
      .find((stamped) => new Set(stamped).size === stamped.length);
    group.forEach((record, i) => names.set(record.id, `${name}, ${stamps ? stamps[i] : `#${group.length - i}`}`));
  }
  return names;
}
