// Generates known-answer password-hash vectors using Lucia v2 itself
// (npm `lucia@2.7.7`, pinned in package.json / package-lock.json).
//
// Regenerate:
//   cd tests/vectors/lucia-v2 && npm ci && node make_scrypt_vectors.mjs
//
// Writes ../lucia_v2_scrypt.json. Salts are random (Lucia's own
// generateRandomString), so every run produces different hashes.
//
// What lucia@2.7.7 does (node_modules/lucia/dist/utils/crypto.js):
//   generateScryptHash(s):  salt = generateRandomString(16)  (alphabet a-z0-9)
//                           key  = scrypt(utf8(s.normalize("NFKC")), utf8(salt),
//                                         N=16384, r=16, p=1, dkLen=64) as lowercase hex
//                           -> "s2:<salt>:<key>"
//   validateScryptHash(s, hash):
//     hash.startsWith("$2a")          -> throws LuciaError("AUTH_OUTDATED_PASSWORD")
//     hash.split(":") has 2 parts     -> legacy "<salt>:<key>", scrypt with r=8 (N=16384, p=1, dkLen=64)
//     3 parts and parts[0] === "s2"   -> scrypt with r=16
//     anything else                   -> false
//   The key comparison is on the hex *string* (case-sensitive, length-checked).
// `lucia/utils` re-exports these as generateLuciaPasswordHash / validateLuciaPasswordHash.

import { writeFileSync, readFileSync } from "node:fs";
import { scryptSync } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import {
	generateLuciaPasswordHash,
	validateLuciaPasswordHash,
	generateRandomString
} from "lucia/utils";

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, "..", "lucia_v2_scrypt.json");
const luciaVersion = JSON.parse(
	readFileSync(join(here, "node_modules", "lucia", "package.json"), "utf8")
).version;
if (luciaVersion !== "2.7.7") throw new Error(`expected lucia 2.7.7, got ${luciaVersion}`);

const N = 16384;
const P = 1;
const DKLEN = 64;
const S2_R = 16;
const LEGACY_R = 8;

// Independent cross-check with Node's built-in scrypt (not Lucia's JS scrypt).
const nodeScryptHex = (password, salt, r) =>
	scryptSync(Buffer.from(password.normalize("NFKC"), "utf8"), Buffer.from(salt, "utf8"), DKLEN, {
		N,
		r,
		p: P,
		maxmem: 256 * 1024 * 1024
	}).toString("hex");

// A deterministic 1000-character ASCII password.
const long1000 = Array.from({ length: 1000 }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7) % 36]).join("");
if (long1000.length !== 1000) throw new Error("bad long password");

// Each entry: password to hash, plus extra passwords to check against its hash.
// Every vector also gets a wrong-password check.
const S2_CASES = [
	{ password: "password123", extra: ["Password123", "password123 "] },
	{ password: "correct horse battery staple", extra: ["correct horse battery stapl"] },
	{ password: "", extra: [" "] },
	{ password: long1000, extra: [long1000.slice(0, 999)] },
	// non-ASCII; "pa\u0308sswo\u0308rd" is the NFD (decomposed) spelling
	{ password: "pässwörd", extra: ["pa\u0308sswo\u0308rd", "passwort"] },
	{ password: "パスワード", extra: ["ﾊﾟｽﾜｰﾄﾞ" /* half-width katakana, NFKC -> パスワード */] },
	{ password: "🔑 secret 👩‍💻", extra: ["🔑 secret 👩💻" /* without ZWJ */] },
	// NFKC-sensitive pairs (hash one spelling, check the other)
	{ password: "\uFB01sh", extra: ["fish"] }, // "ﬁ" ligature
	{ password: "fish", extra: ["\uFB01sh"] },
	{ password: "\u212Bngstr\u00F6m", extra: ["\u00C5ngstr\u00F6m", "A\u030Angstro\u0308m"] }, // ANGSTROM SIGN
	{ password: "\u00C5ngstr\u00F6m", extra: ["\u212Bngstr\u00F6m"] },
	{ password: "ｐａｓｓ", extra: ["pass"] }, // full-width
	{ password: "pass", extra: ["ｐａｓｓ", "PASS"] },
	{ password: "x\u00B2", extra: ["x2"] }, // superscript two, NFKC -> "2"
	// colons in the password
	{ password: "pass: word:", extra: ["pass:word:"] },
	{ password: "s2:abc:def", extra: ["s2:abc:de"] }
];

const LEGACY_CASES = [
	{ password: "password123", extra: ["Password123"] },
	{ password: "", extra: [" "] },
	{ password: "pässwörd", extra: ["pa\u0308sswo\u0308rd"] },
	{ password: "\uFB01sh", extra: ["fish"] },
	{ password: "ｐａｓｓ", extra: ["pass"] },
	{ password: "a:b: c", extra: ["a:b:c"] }
];

const wrongFor = (pw) => (pw === "wrong-password" ? "wrong-password!" : "wrong-password");

async function checksFor(hash, password, extra) {
	const checks = [];
	for (const candidate of [password, ...extra, wrongFor(password)]) {
		const valid = await validateLuciaPasswordHash(candidate, hash);
		checks.push({
			password: candidate,
			nfkc_equal: candidate.normalize("NFKC") === password.normalize("NFKC"),
			valid
		});
	}
	// sanity: Lucia must accept the right password and reject the wrong one
	if (checks[0].valid !== true) throw new Error(`Lucia rejected the right password for ${hash}`);
	if (checks[checks.length - 1].valid !== false) throw new Error(`Lucia accepted a wrong password for ${hash}`);
	// sanity: Lucia's verdicts are exactly "NFKC forms equal"
	for (const c of checks) {
		if (c.valid !== c.nfkc_equal) throw new Error(`unexpected verdict ${JSON.stringify(c)} for ${hash}`);
	}
	return checks;
}

const vectors = [];

for (const { password, extra } of S2_CASES) {
	const hash = await generateLuciaPasswordHash(password); // Lucia v2's own generator
	const [version, salt, key] = hash.split(":");
	if (version !== "s2" || hash.split(":").length !== 3) throw new Error(`unexpected hash format ${hash}`);
	const nodeKey = nodeScryptHex(password, salt, S2_R);
	if (nodeKey !== key) throw new Error(`node:crypto scrypt (r=${S2_R}) disagrees with Lucia for ${hash}`);
	vectors.push({
		form: "s2",
		password,
		password_nfkc: password.normalize("NFKC"),
		hash,
		salt,
		key,
		checks: await checksFor(hash, password, extra)
	});
}

for (const { password, extra } of LEGACY_CASES) {
	// Lucia v2 cannot generate the legacy form; build it with node:crypto using the
	// exact parameters Lucia v2's validator uses for two-part hashes (r=8), then
	// confirm with Lucia v2's own validateLuciaPasswordHash below.
	const salt = generateRandomString(16);
	const key = nodeScryptHex(password, salt, LEGACY_R);
	const hash = `${salt}:${key}`;
	vectors.push({
		form: "legacy",
		password,
		password_nfkc: password.normalize("NFKC"),
		hash,
		salt,
		key,
		checks: await checksFor(hash, password, extra)
	});
}

// A few hash-side edge cases, with whatever Lucia v2's validator does.
const firstS2 = vectors.find((v) => v.form === "s2");
const firstLegacy = vectors.find((v) => v.form === "legacy");
const edgeInputs = [
	{
		note: "s2 hash with the hex key upper-cased (comparison is on the hex string)",
		password: firstS2.password,
		hash: `s2:${firstS2.salt}:${firstS2.key.toUpperCase()}`
	},
	{
		note: "legacy (r=8) key relabelled as s2 (validated with r=16)",
		password: firstLegacy.password,
		hash: `s2:${firstLegacy.salt}:${firstLegacy.key}`
	},
	{
		note: "s2 key with the s2: prefix removed (validated as legacy, r=8)",
		password: firstS2.password,
		hash: `${firstS2.salt}:${firstS2.key}`
	},
	{
		note: "unknown version prefix",
		password: firstS2.password,
		hash: `s3:${firstS2.salt}:${firstS2.key}`
	},
	{
		note: "four colon-separated parts",
		password: firstS2.password,
		hash: `s2:${firstS2.salt}:${firstS2.key}:`
	},
	{
		note: "bcrypt-looking hash (Lucia beta format) -> LuciaError",
		password: "password123",
		hash: "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"
	}
];
const edge_cases = [];
for (const e of edgeInputs) {
	let result;
	try {
		result = { valid: await validateLuciaPasswordHash(e.password, e.hash) };
	} catch (err) {
		result = { throws: `${err?.constructor?.name}: ${err?.message}` };
	}
	edge_cases.push({ ...e, ...result });
}

const output = {
	generator: `lucia@${luciaVersion} (node ${process.version})`,
	command: "cd tests/vectors/lucia-v2 && npm ci && node make_scrypt_vectors.mjs",
	functions: {
		generate: "lucia/utils generateLuciaPasswordHash (= dist/utils/crypto.js generateScryptHash)",
		validate: "lucia/utils validateLuciaPasswordHash (= dist/utils/crypto.js validateScryptHash)"
	},
	params: {
		s2: { format: "s2:<salt>:<hex key>", N, r: S2_R, p: P, dkLen: DKLEN, password: "utf8(NFKC(password))", salt: "utf8(salt)" },
		legacy: { format: "<salt>:<hex key>", N, r: LEGACY_R, p: P, dkLen: DKLEN, password: "utf8(NFKC(password))", salt: "utf8(salt)" }
	},
	notes: [
		"s2 hashes were produced by Lucia v2's own generate function.",
		"legacy hashes were produced with node:crypto scrypt (r=8) and each accepted by Lucia v2's own validate function.",
		"every s2 key was also recomputed with node:crypto scrypt (r=16) and matched.",
		"checks[].valid is Lucia v2's validate result; nfkc_equal says whether the candidate's NFKC form equals the hashed password's."
	],
	vectors,
	edge_cases
};

writeFileSync(OUT, JSON.stringify(output, null, 2) + "\n", "utf8");
console.log(`wrote ${vectors.length} vectors and ${edge_cases.length} edge cases to ${OUT}`);
