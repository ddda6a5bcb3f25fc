// The app's words in one place: each name a screen gives a thing or a state,
// with what it means in one sentence. The screens take their labels from here
// (format.ts, the library's filters, the item's detail), and Settings' "What
// the words mean" shows the same list, so a word and its meaning are written
// once. words.test.ts keeps deployment terms out of the meanings and checks
// that every partner state the screens show is one of these words.

export interface Word {
  term: string;
  means: string;
}

export const WORDS = {
  item: {
    term: "Item",
    means: "What you stored in one go: a file, or files and folders kept together.",
  },
  partner: {
    term: "Partner",
    means: "An organisation in your network whose computer keeps copies of items.",
  },
  copy: {
    term: "Copy",
    means:
      "One partner's complete set of an item's files. The network's rules say how many copies each item should have.",
  },
  stored: { term: "Stored", means: "This partner holds a complete copy." },
  copying: { term: "Copying…", means: "This partner is receiving its copy now." },
  notAssigned: {
    term: "Not assigned here",
    means: "The network's rules did not ask this partner to keep a copy of this item.",
  },
  problem: {
    term: "Problem",
    means: "This partner was asked to keep a copy and could not; Repair asks it to try again.",
  },
  unreachable: {
    term: "Partner unreachable",
    means: "This partner's computer did not answer; its copy may still be fine.",
  },
  removing: { term: "Removing…", means: "This partner is removing its copy of a withdrawn item." },
  missing: { term: "Missing", means: "This partner should hold a copy and does not." },
  unknown: { term: "Unknown", means: "This partner reported a state this version of the app does not know." },
  fewerCopies: {
    term: "Fewer copies than planned",
    means: "An item with fewer complete copies than the network's rules ask for.",
  },
  needsAttention: {
    term: "Needs attention",
    means: "An item with a problem: a missing or damaged copy, or copies not checked for too long.",
  },
  notChecked: {
    term: "Not checked yet",
    means: "Nobody has read the copies back since they were made; the app checks them in the background.",
  },
  problemsFound: {
    term: "Problems found",
    means: "A partner's copy is damaged or incomplete; the item's detail says whom to ask.",
  },
  withdrawn: {
    term: "Withdrawn",
    means: "Asked to be removed. It stays with every partner for the grace period, and anyone can keep it until then.",
  },
  leftOut: {
    term: "Files left out",
    means: "Files that could not be read when the item was added; they are listed with the item.",
  },
  archivalPackage: {
    term: "Archival package (BagIt)",
    means: "A folder other archives' tools can check: the files, their checksums, a description and the history.",
  },
  fingerprint: {
    term: "Fingerprint (content ID)",
    means:
      "A code computed from an item's exact bytes; every copy is checked against it. Technical tools call it a CID.",
  },
} satisfies Record<string, Word>;

/** Every word, in the order of the list above. */
export const GLOSSARY: Word[] = Object.values(WORDS);
