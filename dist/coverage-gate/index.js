/******/ (() => { // webpackBootstrap
/******/ 	"use strict";
/******/ 	var __webpack_modules__ = ({

/***/ 4914:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.issueCommand = issueCommand;
exports.issue = issue;
const os = __importStar(__nccwpck_require__(857));
const utils_1 = __nccwpck_require__(302);
/**
 * Issues a command to the GitHub Actions runner
 *
 * @param command - The command name to issue
 * @param properties - Additional properties for the command (key-value pairs)
 * @param message - The message to include with the command
 * @remarks
 * This function outputs a specially formatted string to stdout that the Actions
 * runner interprets as a command. These commands can control workflow behavior,
 * set outputs, create annotations, mask values, and more.
 *
 * Command Format:
 *   ::name key=value,key=value::message
 *
 * @example
 * ```typescript
 * // Issue a warning annotation
 * issueCommand('warning', {}, 'This is a warning message');
 * // Output: ::warning::This is a warning message
 *
 * // Set an environment variable
 * issueCommand('set-env', { name: 'MY_VAR' }, 'some value');
 * // Output: ::set-env name=MY_VAR::some value
 *
 * // Add a secret mask
 * issueCommand('add-mask', {}, 'secretValue123');
 * // Output: ::add-mask::secretValue123
 * ```
 *
 * @internal
 * This is an internal utility function that powers the public API functions
 * such as setSecret, warning, error, and exportVariable.
 */
function issueCommand(command, properties, message) {
    const cmd = new Command(command, properties, message);
    process.stdout.write(cmd.toString() + os.EOL);
}
function issue(name, message = '') {
    issueCommand(name, {}, message);
}
const CMD_STRING = '::';
class Command {
    constructor(command, properties, message) {
        if (!command) {
            command = 'missing.command';
        }
        this.command = command;
        this.properties = properties;
        this.message = message;
    }
    toString() {
        let cmdStr = CMD_STRING + this.command;
        if (this.properties && Object.keys(this.properties).length > 0) {
            cmdStr += ' ';
            let first = true;
            for (const key in this.properties) {
                if (this.properties.hasOwnProperty(key)) {
                    const val = this.properties[key];
                    if (val) {
                        if (first) {
                            first = false;
                        }
                        else {
                            cmdStr += ',';
                        }
                        cmdStr += `${key}=${escapeProperty(val)}`;
                    }
                }
            }
        }
        cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
        return cmdStr;
    }
}
function escapeData(s) {
    return (0, utils_1.toCommandValue)(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return (0, utils_1.toCommandValue)(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/:/g, '%3A')
        .replace(/,/g, '%2C');
}
//# sourceMappingURL=command.js.map

/***/ }),

/***/ 4753:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


// For internal use, subject to change.
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.issueFileCommand = issueFileCommand;
exports.prepareKeyValueMessage = prepareKeyValueMessage;
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
const crypto = __importStar(__nccwpck_require__(6982));
const fs = __importStar(__nccwpck_require__(9896));
const os = __importStar(__nccwpck_require__(857));
const utils_1 = __nccwpck_require__(302);
function issueFileCommand(command, message) {
    const filePath = process.env[`GITHUB_${command}`];
    if (!filePath) {
        throw new Error(`Unable to find environment variable for file command ${command}`);
    }
    if (!fs.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    fs.appendFileSync(filePath, `${(0, utils_1.toCommandValue)(message)}${os.EOL}`, {
        encoding: 'utf8'
    });
}
function prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
    const convertedValue = (0, utils_1.toCommandValue)(value);
    // These should realistically never happen, but just in case someone finds a
    // way to exploit uuid generation let's not allow keys or values that contain
    // the delimiter.
    if (key.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (convertedValue.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    return `${key}<<${delimiter}${os.EOL}${convertedValue}${os.EOL}${delimiter}`;
}
//# sourceMappingURL=file-command.js.map

/***/ }),

/***/ 1847:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __awaiter = (this && this.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.summary = exports.markdownSummary = exports.SUMMARY_DOCS_URL = exports.SUMMARY_ENV_VAR = void 0;
const os_1 = __nccwpck_require__(857);
const fs_1 = __nccwpck_require__(9896);
const { access, appendFile, writeFile } = fs_1.promises;
exports.SUMMARY_ENV_VAR = 'GITHUB_STEP_SUMMARY';
exports.SUMMARY_DOCS_URL = 'https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary';
class Summary {
    constructor() {
        this._buffer = '';
    }
    /**
     * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
     * Also checks r/w permissions.
     *
     * @returns step summary file path
     */
    filePath() {
        return __awaiter(this, void 0, void 0, function* () {
            if (this._filePath) {
                return this._filePath;
            }
            const pathFromEnv = process.env[exports.SUMMARY_ENV_VAR];
            if (!pathFromEnv) {
                throw new Error(`Unable to find environment variable for $${exports.SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
            }
            try {
                yield access(pathFromEnv, fs_1.constants.R_OK | fs_1.constants.W_OK);
            }
            catch (_a) {
                throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
            }
            this._filePath = pathFromEnv;
            return this._filePath;
        });
    }
    /**
     * Wraps content in an HTML tag, adding any HTML attributes
     *
     * @param {string} tag HTML tag to wrap
     * @param {string | null} content content within the tag
     * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
     *
     * @returns {string} content wrapped in HTML element
     */
    wrap(tag, content, attrs = {}) {
        const htmlAttrs = Object.entries(attrs)
            .map(([key, value]) => ` ${key}="${value}"`)
            .join('');
        if (!content) {
            return `<${tag}${htmlAttrs}>`;
        }
        return `<${tag}${htmlAttrs}>${content}</${tag}>`;
    }
    /**
     * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
     *
     * @param {SummaryWriteOptions} [options] (optional) options for write operation
     *
     * @returns {Promise<Summary>} summary instance
     */
    write(options) {
        return __awaiter(this, void 0, void 0, function* () {
            const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
            const filePath = yield this.filePath();
            const writeFunc = overwrite ? writeFile : appendFile;
            yield writeFunc(filePath, this._buffer, { encoding: 'utf8' });
            return this.emptyBuffer();
        });
    }
    /**
     * Clears the summary buffer and wipes the summary file
     *
     * @returns {Summary} summary instance
     */
    clear() {
        return __awaiter(this, void 0, void 0, function* () {
            return this.emptyBuffer().write({ overwrite: true });
        });
    }
    /**
     * Returns the current summary buffer as a string
     *
     * @returns {string} string of summary buffer
     */
    stringify() {
        return this._buffer;
    }
    /**
     * If the summary buffer is empty
     *
     * @returns {boolen} true if the buffer is empty
     */
    isEmptyBuffer() {
        return this._buffer.length === 0;
    }
    /**
     * Resets the summary buffer without writing to summary file
     *
     * @returns {Summary} summary instance
     */
    emptyBuffer() {
        this._buffer = '';
        return this;
    }
    /**
     * Adds raw text to the summary buffer
     *
     * @param {string} text content to add
     * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
     *
     * @returns {Summary} summary instance
     */
    addRaw(text, addEOL = false) {
        this._buffer += text;
        return addEOL ? this.addEOL() : this;
    }
    /**
     * Adds the operating system-specific end-of-line marker to the buffer
     *
     * @returns {Summary} summary instance
     */
    addEOL() {
        return this.addRaw(os_1.EOL);
    }
    /**
     * Adds an HTML codeblock to the summary buffer
     *
     * @param {string} code content to render within fenced code block
     * @param {string} lang (optional) language to syntax highlight code
     *
     * @returns {Summary} summary instance
     */
    addCodeBlock(code, lang) {
        const attrs = Object.assign({}, (lang && { lang }));
        const element = this.wrap('pre', this.wrap('code', code), attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML list to the summary buffer
     *
     * @param {string[]} items list of items to render
     * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
     *
     * @returns {Summary} summary instance
     */
    addList(items, ordered = false) {
        const tag = ordered ? 'ol' : 'ul';
        const listItems = items.map(item => this.wrap('li', item)).join('');
        const element = this.wrap(tag, listItems);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML table to the summary buffer
     *
     * @param {SummaryTableCell[]} rows table rows
     *
     * @returns {Summary} summary instance
     */
    addTable(rows) {
        const tableBody = rows
            .map(row => {
            const cells = row
                .map(cell => {
                if (typeof cell === 'string') {
                    return this.wrap('td', cell);
                }
                const { header, data, colspan, rowspan } = cell;
                const tag = header ? 'th' : 'td';
                const attrs = Object.assign(Object.assign({}, (colspan && { colspan })), (rowspan && { rowspan }));
                return this.wrap(tag, data, attrs);
            })
                .join('');
            return this.wrap('tr', cells);
        })
            .join('');
        const element = this.wrap('table', tableBody);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds a collapsable HTML details element to the summary buffer
     *
     * @param {string} label text for the closed state
     * @param {string} content collapsable content
     *
     * @returns {Summary} summary instance
     */
    addDetails(label, content) {
        const element = this.wrap('details', this.wrap('summary', label) + content);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML image tag to the summary buffer
     *
     * @param {string} src path to the image you to embed
     * @param {string} alt text description of the image
     * @param {SummaryImageOptions} options (optional) addition image attributes
     *
     * @returns {Summary} summary instance
     */
    addImage(src, alt, options) {
        const { width, height } = options || {};
        const attrs = Object.assign(Object.assign({}, (width && { width })), (height && { height }));
        const element = this.wrap('img', null, Object.assign({ src, alt }, attrs));
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML section heading element
     *
     * @param {string} text heading text
     * @param {number | string} [level=1] (optional) the heading level, default: 1
     *
     * @returns {Summary} summary instance
     */
    addHeading(text, level) {
        const tag = `h${level}`;
        const allowedTag = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].includes(tag)
            ? tag
            : 'h1';
        const element = this.wrap(allowedTag, text);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML thematic break (<hr>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addSeparator() {
        const element = this.wrap('hr', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML line break (<br>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addBreak() {
        const element = this.wrap('br', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML blockquote to the summary buffer
     *
     * @param {string} text quote text
     * @param {string} cite (optional) citation url
     *
     * @returns {Summary} summary instance
     */
    addQuote(text, cite) {
        const attrs = Object.assign({}, (cite && { cite }));
        const element = this.wrap('blockquote', text, attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML anchor tag to the summary buffer
     *
     * @param {string} text link text/content
     * @param {string} href hyperlink
     *
     * @returns {Summary} summary instance
     */
    addLink(text, href) {
        const element = this.wrap('a', text, { href });
        return this.addRaw(element).addEOL();
    }
}
const _summary = new Summary();
/**
 * @deprecated use `core.summary`
 */
exports.markdownSummary = _summary;
exports.summary = _summary;
//# sourceMappingURL=summary.js.map

/***/ }),

/***/ 302:
/***/ ((__unused_webpack_module, exports) => {


// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.toCommandValue = toCommandValue;
exports.toCommandProperties = toCommandProperties;
/**
 * Sanitizes an input into a string so it can be passed into issueCommand safely
 * @param input input to sanitize into a string
 */
function toCommandValue(input) {
    if (input === null || input === undefined) {
        return '';
    }
    else if (typeof input === 'string' || input instanceof String) {
        return input;
    }
    return JSON.stringify(input);
}
/**
 *
 * @param annotationProperties
 * @returns The command properties to send with the actual annotation command
 * See IssueCommandProperties: https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs#L646
 */
function toCommandProperties(annotationProperties) {
    if (!Object.keys(annotationProperties).length) {
        return {};
    }
    return {
        title: annotationProperties.title,
        file: annotationProperties.file,
        line: annotationProperties.startLine,
        endLine: annotationProperties.endLine,
        col: annotationProperties.startColumn,
        endColumn: annotationProperties.endColumn
    };
}
//# sourceMappingURL=utils.js.map

/***/ }),

/***/ 7488:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.WARNINGS_PER_STEP = void 0;
exports.planAnnotations = planAnnotations;
exports.omittedNote = omittedNote;
/** GitHub shows at most this many warning annotations from one step (and 50 per job). */
exports.WARNINGS_PER_STEP = 10;
/**
 * Warning annotations on uncovered changed lines, within the step's budget: the warnings
 * already issued count against the same limit, and when ranges are left out, one slot is
 * kept for the warning that says so.
 */
function planAnnotations(ranges, warningsIssued) {
    const budget = Math.max(0, exports.WARNINGS_PER_STEP - warningsIssued);
    const fits = ranges.length <= budget;
    const shown = fits ? ranges : ranges.slice(0, Math.max(0, budget - 1));
    return {
        annotations: shown.map((range) => ({
            file: range.path,
            line: range.start,
            endLine: range.end,
            title: 'Not covered by tests',
            message: range.start === range.end
                ? `Changed line ${range.start} is not covered by tests.`
                : `Changed lines ${range.start}-${range.end} are not covered by tests.`,
        })),
        omitted: ranges.length - shown.length,
    };
}
/**
 * What is said of the ranges left out: a warning while the step's limit has room for one, else
 * a line in the log.
 */
function omittedNote(plan, warningsIssued) {
    if (plan.omitted === 0)
        return undefined;
    const text = `${plan.omitted} more range${plan.omitted === 1 ? '' : 's'} of uncovered changed lines, listed in the job summary (GitHub shows at most ${exports.WARNINGS_PER_STEP} warnings per step).`;
    const room = warningsIssued + plan.annotations.length < exports.WARNINGS_PER_STEP;
    return { level: room ? 'warning' : 'info', text };
}


/***/ }),

/***/ 7889:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.coverageBadge = coverageBadge;
const percent_1 = __nccwpck_require__(2571);
// A flat badge of the headline figure, drawn without fetching anything: the label and value
// on two coloured fields, widths estimated from Verdana 11px, which badges conventionally use.
const NARROW = new Set([..."fijlrtI1.,:;!|()[] '"]);
const WIDE = new Set([...'mwMW%@']);
function textWidth(text) {
    let width = 0;
    for (const char of text)
        width += NARROW.has(char) ? 4 : WIDE.has(char) ? 10 : 7;
    return width;
}
/** The badge colour for a percentage: red below 50, then orange, yellow, green, bright green. */
function badgeColor(percent) {
    if (Number.isNaN(percent))
        return '#9f9f9f';
    if (percent >= 90)
        return '#4c1';
    if (percent >= 80)
        return '#97ca00';
    if (percent >= 70)
        return '#a4a61d';
    if (percent >= 60)
        return '#dfb317';
    if (percent >= 50)
        return '#fe7d37';
    return '#e05d44';
}
function escapeXml(text) {
    return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
function badgeSvg(label, value, color) {
    const left = textWidth(label) + 10;
    const right = textWidth(value) + 10;
    const width = left + right;
    const safeLabel = escapeXml(label);
    const safeValue = escapeXml(value);
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${safeLabel}: ${safeValue}">`,
        `<title>${safeLabel}: ${safeValue}</title>`,
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
        `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
        '<g clip-path="url(#r)">',
        `<rect width="${left}" height="20" fill="#555"/>`,
        `<rect x="${left}" width="${right}" height="20" fill="${color}"/>`,
        `<rect width="${width}" height="20" fill="url(#s)"/>`,
        '</g>',
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
        `<text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${safeLabel}</text>`,
        `<text x="${left / 2}" y="14">${safeLabel}</text>`,
        `<text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${safeValue}</text>`,
        `<text x="${left + right / 2}" y="14">${safeValue}</text>`,
        '</g>',
        '</svg>',
        '',
    ].join('\n');
}
/** The badge of the headline: a whole percent, coloured by its two-decimal figure. */
function coverageBadge(headline) {
    const value = headline ? `${(0, percent_1.formatExact)(headline, 0)}%` : 'unknown';
    const percent = headline ? Number((0, percent_1.formatExact)(headline)) : NaN;
    return badgeSvg('coverage', value, badgeColor(percent));
}


/***/ }),

/***/ 9320:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseUnifiedDiff = parseUnifiedDiff;
exports.diffCoverage = diffCoverage;
const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;
/** Git's C-style quoting of unusual paths ("caf\303\251.py"). */
function unquote(text) {
    if (!text.startsWith('"'))
        return text;
    const bytes = [];
    const body = text.slice(1, text.lastIndexOf('"'));
    const escapes = {
        n: 10,
        t: 9,
        '"': 34,
        '\\': 92,
        a: 7,
        b: 8,
        f: 12,
        r: 13,
        v: 11,
    };
    for (let i = 0; i < body.length; i++) {
        const char = body[i];
        if (char !== '\\') {
            bytes.push(...Buffer.from(char, 'utf8'));
            continue;
        }
        const next = body[i + 1];
        if (/[0-7]/.test(next)) {
            bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
            i += 3;
        }
        else {
            bytes.push(escapes[next] ?? next.charCodeAt(0));
            i += 1;
        }
    }
    return Buffer.from(bytes).toString('utf8');
}
function parseUnifiedDiff(diff) {
    const changed = new Map();
    let current;
    for (const line of diff.split('\n')) {
        if (line.startsWith('+++ ')) {
            const target = unquote(line.slice(4).replace(/\t.*$/, ''));
            if (target === '/dev/null') {
                current = undefined;
                continue;
            }
            const file = target.replace(/^"?b\//, '').replace(/^"/, '');
            current = changed.get(file) ?? [];
            changed.set(file, current);
            continue;
        }
        const hunk = HUNK.exec(line);
        if (hunk && current) {
            const start = Number(hunk[1]);
            const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
            for (let n = start; n < start + count; n++)
                current.push(n);
        }
    }
    for (const [file, lines] of changed) {
        if (lines.length === 0)
            changed.delete(file);
    }
    return changed;
}
/**
 * Coverage of the changed lines that a report measures. Uncovered ones are grouped into
 * ranges: two uncovered changed lines share a range when no other measured line lies between
 * them, so a block of code with blank lines and comments inside reads as one range.
 */
function diffCoverage(set, changed) {
    const ratio = { covered: 0, total: 0 };
    const files = [];
    const uncovered = [];
    for (const [path, lines] of [...changed].sort(([a], [b]) => a.localeCompare(b))) {
        const measured = set.measuredLines(path);
        if (!measured)
            continue;
        const fileRatio = { covered: 0, total: 0 };
        const changedSet = new Set(lines);
        let open;
        // Walk the measured lines in order, so ranges break at any measured line in between.
        for (let i = 0; i < measured.lines.length; i++) {
            const line = measured.lines[i];
            const isChanged = changedSet.has(line);
            if (isChanged) {
                fileRatio.total++;
                if (measured.hits[i] > 0)
                    fileRatio.covered++;
            }
            if (isChanged && measured.hits[i] === 0) {
                if (open)
                    open.end = line;
                else
                    open = { path, start: line, end: line };
            }
            else if (open) {
                uncovered.push(open);
                open = undefined;
            }
        }
        if (open)
            uncovered.push(open);
        if (fileRatio.total > 0) {
            files.push({ path, changed: fileRatio });
            ratio.covered += fileRatio.covered;
            ratio.total += fileRatio.total;
        }
    }
    return { ratio, files, uncovered };
}


/***/ }),

/***/ 2542:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.commentFileText = commentFileText;
exports.parseCommentFile = parseCommentFile;
exports.forwardedText = forwardedText;
const errors_1 = __nccwpck_require__(9223);
const markdown_1 = __nccwpck_require__(5701);
const report_1 = __nccwpck_require__(4874);
/** Bigger than any comment GitHub takes, with room for JSON escapes. */
const MAX_FILE_BYTES = 1024 * 1024;
function commentFileText(file) {
    return `${JSON.stringify(file, null, 2)}\n`;
}
/** The file's pull request number and body, checked for shape; `name` says which file. */
function parseCommentFile(text, name) {
    if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
        throw new errors_1.ActionFailure(`The comment file ${name} is larger than ${MAX_FILE_BYTES} bytes: not a file coverage-gate wrote with comment: file.`);
    }
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        throw new errors_1.ActionFailure(`The comment file ${name} is not JSON: expected the file coverage-gate wrote with comment: file.`);
    }
    const file = (parsed ?? {});
    const pullRequest = file.pull_request;
    if (typeof pullRequest !== 'number' || !Number.isSafeInteger(pullRequest) || pullRequest < 1) {
        throw new errors_1.ActionFailure(`The comment file ${name} names no pull request number: expected the file coverage-gate wrote with comment: file.`);
    }
    if (typeof file.body !== 'string') {
        throw new errors_1.ActionFailure(`The comment file ${name} holds no body text: expected the file coverage-gate wrote with comment: file.`);
    }
    return { pullRequest, body: file.body };
}
const CUT_NOTE = `\n\n(Cut: the comment was longer than GitHub's limit of ${report_1.COMMENT_LIMIT_CHARS.toLocaleString('en-US')} characters.)\n`;
/**
 * The forwarded text as posted before `marker`: mentions made inert, no HTML comment (no forged
 * marker), cut so that text and marker fit GitHub's limit, with a note saying so.
 */
function forwardedText(text, marker) {
    const body = (0, markdown_1.neutraliseMentions)(text);
    // markedBody() adds a line break before and after the marker.
    const room = report_1.COMMENT_LIMIT_CHARS - marker.length - 2;
    if (body.length <= room)
        return body;
    let end = room - CUT_NOTE.length;
    // Never half a surrogate pair.
    const last = body.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff)
        end--;
    return `${body.slice(0, end)}${CUT_NOTE}`;
}


/***/ }),

/***/ 1347:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.CoverageSet = void 0;
const model_1 = __nccwpck_require__(9291);
const packed_detail_1 = __nccwpck_require__(4884);
/** Words in one block of packed detail (4 MB). */
const BLOCK_WORDS = 1 << 20;
class CoverageSet {
    files = new Map();
    /** Every file's packed detail, one after the other; a larger one has a block of its own. */
    blocks = [];
    used = BLOCK_WORDS;
    /** Adds a record under its repository path (already mapped). */
    add(path, record) {
        const known = this.files.get(path);
        const functions = record.functions && (0, packed_detail_1.hashFunctionNames)(record.functions);
        if (!known) {
            const file = {
                path,
                block: -1,
                offset: 0,
                size: 0,
                counts: record.counts && { ...record.counts },
                statements: record.statements,
                statementCount: record.statementCount,
                unnamed: record.unnamed === true,
            };
            this.store(file, record.lines, record.branches, functions);
            this.files.set(path, file);
            return;
        }
        const old = this.packed(known);
        if (!old || !(0, packed_detail_1.mergeInPlace)(old, record.lines, record.branches, functions)) {
            this.store(known, ...mergeByUnpacking(old, record.lines, record.branches, functions));
        }
        if (record.statementCount !== undefined) {
            known.statementCount = Math.max(known.statementCount ?? 0, record.statementCount);
        }
        if (record.statements) {
            known.statements = known.statements
                ? mergeStatements(known.statements, record.statements)
                : record.statements;
        }
        if (record.counts) {
            const counts = (known.counts ??= {});
            for (const metric of ['lines', 'branches', 'functions']) {
                counts[metric] = larger(counts[metric], record.counts[metric]);
            }
        }
    }
    has(path) {
        return this.files.has(path);
    }
    /**
     * The lines measured in the file, in order, with hits 1 for covered and 0 for not; undefined
     * when no report gave the file's line numbers.
     */
    measuredLines(path) {
        const packed = this.files.has(path) ? this.packed(this.files.get(path)) : undefined;
        if (!packed || (0, packed_detail_1.packedCounts)(packed).lines === undefined)
            return undefined;
        return (0, packed_detail_1.unpackLines)(packed);
    }
    /**
     * Every file's figures, in the order the files were first added, made as they are read (each
     * time the result is walked): 100,000 files' figures held at once would cost more memory than
     * the detail they come from.
     */
    figures() {
        return { [Symbol.iterator]: () => this.eachFigures() };
    }
    *eachFigures() {
        for (const file of this.files.values()) {
            const packed = this.packed(file);
            yield fileFigures(file, packed ? (0, packed_detail_1.packedCounts)(packed) : {});
        }
    }
    /** A view of the file's packed detail (writes go to the store); undefined when it has none. */
    packed(file) {
        return file.block < 0
            ? undefined
            : this.blocks[file.block].subarray(file.offset, file.offset + file.size);
    }
    /** Packs the detail into the store: over the file's old detail when it fits there. */
    store(file, lines, branches, functions) {
        const hasDetail = lines.lines.length > 0 || branches !== undefined || functions !== undefined;
        if (!hasDetail) {
            file.block = -1;
            return;
        }
        const packed = (0, packed_detail_1.pack)(lines, branches, functions);
        if (file.block < 0 || packed.length > file.size) {
            if (packed.length > BLOCK_WORDS - this.used) {
                this.blocks.push(new Uint32Array(Math.max(BLOCK_WORDS, packed.length)));
                this.used = 0;
            }
            file.block = this.blocks.length - 1;
            file.offset = this.used;
            this.used += packed.length;
        }
        file.size = packed.length;
        this.blocks[file.block].set(packed, file.offset);
    }
}
exports.CoverageSet = CoverageSet;
/** A file's detail unpacked and the record's merged into it, for packing anew. */
function mergeByUnpacking(old, recordLines, recordBranches, functions) {
    const lines = old ? (0, packed_detail_1.mergeLines)((0, packed_detail_1.unpackLines)(old), recordLines) : recordLines;
    const oldBranches = old && (0, packed_detail_1.unpackBranches)(old);
    const branches = oldBranches && recordBranches
        ? (0, packed_detail_1.mergeBranches)(oldBranches, recordBranches)
        : (oldBranches ?? recordBranches);
    const oldFunctions = old && (0, packed_detail_1.unpackFunctions)(old);
    const mergedFunctions = oldFunctions && functions
        ? (0, packed_detail_1.mergeFunctions)(oldFunctions, functions)
        : (oldFunctions ?? functions);
    return [lines, branches, mergedFunctions];
}
/**
 * Counts without detail cannot be merged line by line: two of them for one file are two views
 * of the same code, and the one that measured more stands.
 */
function larger(a, b) {
    if (!a || !b)
        return a ?? b;
    if (b.total > a.total || (b.total === a.total && b.covered > a.covered))
        return b;
    return a;
}
function mergeStatements(a, b) {
    const merged = new Map();
    for (const [key, block] of a)
        merged.set(key, { ...block });
    for (const [key, block] of b) {
        const known = merged.get(key);
        if (known)
            known.hits = (0, model_1.saturate)(known.hits + block.hits);
        else
            merged.set(key, { ...block });
    }
    return merged;
}
/**
 * Lines of a file whose statement count a report gave: that many statements, of which those
 * missed by every report (the lines whose merged hits are 0) are not covered.
 */
function statementLines(file, detail) {
    if (file.statementCount === undefined)
        return undefined;
    const missed = detail.lines ? detail.lines.total - detail.lines.covered : 0;
    const total = Math.max(file.statementCount, missed);
    return { covered: total - missed, total };
}
/** A file's counts: from its detail where it has some, else from the counts a report gave. */
function fileFigures(file, detail) {
    const figures = {
        path: file.path,
        lines: statementLines(file, detail) ??
            detail.lines ??
            file.counts?.lines ?? { covered: 0, total: 0 },
        branches: detail.branches ?? file.counts?.branches,
        functions: detail.functions ?? file.counts?.functions,
        lineDetail: detail.lines !== undefined,
        unnamed: file.unnamed,
    };
    if (file.statements) {
        let covered = 0;
        let total = 0;
        for (const block of file.statements.values()) {
            total += block.statements;
            if (block.hits > 0)
                covered += block.statements;
        }
        figures.statements = { covered, total };
    }
    return figures;
}


/***/ }),

/***/ 1380:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.findReports = findReports;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const glob_1 = __nccwpck_require__(1954);
const glob_2 = __nccwpck_require__(9602);
const formats_1 = __nccwpck_require__(7394);
/** Where coverage tools write their reports by default, looked for in every folder. */
const DEFAULT_PATTERNS = [
    '**/coverage.xml',
    '**/coverage.json',
    '**/cobertura.xml',
    '**/cobertura-coverage.xml',
    '**/lcov.info',
    '**/coverage-final.json',
    '**/coverage-summary.json',
    '**/clover.xml',
    '**/jacoco.xml',
    '**/jacocoTestReport.xml',
    '**/cover.out',
    '**/coverage.out',
];
const HEAD_BYTES = 64 * 1024;
function readHead(file) {
    const fd = (0, node_fs_1.openSync)(file, 'r');
    try {
        const buffer = Buffer.alloc(HEAD_BYTES);
        const read = (0, node_fs_1.readSync)(fd, buffer, 0, HEAD_BYTES, 0);
        // A cut in the middle of a UTF-8 sequence only spoils the last character.
        return buffer.subarray(0, read).toString('utf8');
    }
    finally {
        (0, node_fs_1.closeSync)(fd);
    }
}
function display(workspace, file) {
    const relative = node_path_1.default.relative(workspace, file);
    return relative.startsWith('..') || node_path_1.default.isAbsolute(relative)
        ? file
        : relative.split(node_path_1.default.sep).join('/');
}
function exists(file) {
    try {
        (0, node_fs_1.lstatSync)(file);
        return true;
    }
    catch {
        return false;
    }
}
/**
 * The paths the pattern names, files and links alike, and the folders it names (a folder named
 * like a report, `coverage.json/`, is not one).
 */
function matchPattern(workspace, pattern) {
    const absolute = node_path_1.default.isAbsolute(pattern);
    const base = absolute ? node_path_1.default.parse(pattern).root : workspace;
    const relativePattern = absolute ? pattern.slice(base.length) : pattern.replace(/^\.\//, '');
    if (!(0, glob_1.isGlob)(relativePattern)) {
        const file = node_path_1.default.join(base, relativePattern);
        return { files: exists(file) ? [file] : [], folders: [] };
    }
    const regex = (0, glob_1.globToRegExp)(relativePattern);
    const folders = [];
    const files = (0, glob_2.walkFiles)(base, (0, glob_1.literalPrefix)(relativePattern), undefined, (folder) => {
        if (regex.test(folder))
            folders.push(node_path_1.default.join(base, folder));
    })
        .filter((file) => regex.test(file))
        .map((file) => node_path_1.default.join(base, file));
    return { files, folders };
}
function inside(root, file) {
    const relative = node_path_1.default.relative(root, file);
    return relative === '' || (!relative.startsWith('..') && !node_path_1.default.isAbsolute(relative));
}
/**
 * Whether a matched path can be read as a report: a regular file, or a symbolic link to one
 * inside the workspace. Anything else is skipped with a warning that names it: a link never
 * takes the action out of the workspace, and a dangling link or a folder is no report.
 */
function readable(workspace, file, log) {
    const name = display(workspace, file);
    if ((0, node_fs_1.lstatSync)(file).isSymbolicLink()) {
        let target;
        try {
            target = (0, node_fs_1.realpathSync)(file);
        }
        catch {
            log.warning(`Skipping ${name}: a symbolic link to nothing (its target does not exist).`);
            return false;
        }
        let root = workspace;
        try {
            root = (0, node_fs_1.realpathSync)(workspace);
        }
        catch {
            // The workspace itself is checked elsewhere; compare with it as given.
        }
        if (!inside(root, target)) {
            log.warning(`Skipping ${name}: a symbolic link to ${target}, outside the workspace; reports are only read inside it.`);
            return false;
        }
    }
    let isFile;
    try {
        isFile = (0, node_fs_1.statSync)(file).isFile();
    }
    catch {
        isFile = false;
    }
    if (!isFile)
        log.warning(`Skipping ${name}: not a file (a folder, or a device), so not a report.`);
    return isFile;
}
/**
 * The reports to read. Listed in `files`, every match is read; with no list, the usual
 * places are searched and each folder gives its richest report, so that one run's lcov.info
 * and coverage-final.json are not counted twice.
 */
function findReports(workspace, patterns, forced, log) {
    const identify = (file) => {
        if (forced)
            return { file, name: display(workspace, file), format: forced, guessed: false };
        const detection = (0, formats_1.detectFormat)(readHead(file));
        return detection && { file, name: display(workspace, file), ...detection };
    };
    if (patterns) {
        const seen = new Set();
        const reports = [];
        for (const pattern of patterns) {
            const matched = matchPattern(workspace, pattern);
            for (const folder of matched.folders)
                readable(workspace, folder, log);
            const matches = [];
            let fresh = 0;
            for (const file of matched.files) {
                if (seen.has(file))
                    continue;
                seen.add(file);
                fresh++;
                if (readable(workspace, file, log))
                    matches.push(file);
            }
            if (fresh === 0 && matched.folders.length === 0) {
                log.warning(`No file matches '${pattern}' (from the 'files' input), looked for under ${workspace}.`);
            }
            for (const file of matches) {
                seen.add(file);
                const report = identify(file);
                if (!report) {
                    throw new errors_1.ActionFailure(`${display(workspace, file)} is empty or not text: expected a coverage report (${Object.values(formats_1.FORMAT_NAMES).join(', ')}).`);
                }
                reports.push(report);
            }
        }
        if (reports.length === 0) {
            throw new errors_1.ActionFailure(`No coverage report found: nothing matches ${patterns.map((p) => `'${p}'`).join(', ')} in ${workspace}. ` +
                'Check that the test step wrote its report there, and that both steps use the same working directory.');
        }
        return reports;
    }
    const byFolder = new Map();
    for (const pattern of DEFAULT_PATTERNS) {
        const matched = matchPattern(workspace, pattern);
        for (const folder of matched.folders)
            readable(workspace, folder, log);
        for (const file of matched.files) {
            if (!readable(workspace, file, log))
                continue;
            const report = identify(file);
            if (!report || report.guessed) {
                log.debug(`Skipping ${file}: not a coverage report.`);
                continue;
            }
            const folder = node_path_1.default.dirname(file);
            const known = byFolder.get(folder);
            if (!known || formats_1.RICHNESS.indexOf(report.format) < formats_1.RICHNESS.indexOf(known.format)) {
                if (known)
                    log.info(`Using ${report.name} rather than ${known.name} (same folder, more detail).`);
                byFolder.set(folder, report);
            }
            else {
                log.info(`Using ${known.name} rather than ${report.name} (same folder, more detail).`);
            }
        }
    }
    if (byFolder.size === 0) {
        throw new errors_1.ActionFailure(`No coverage report found in ${workspace}: looked for ${DEFAULT_PATTERNS.join(', ')}. ` +
            "Name the report in the 'files' input, or write it to one of these places.");
    }
    return [...byFolder.values()].sort((a, b) => a.name.localeCompare(b.name));
}


/***/ }),

/***/ 3230:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.eventFacts = eventFacts;
function eventFacts(payload) {
    const event = payload;
    return {
        base: event.pull_request?.base?.sha ?? event.before,
        pullRequest: event.pull_request?.number,
        headSha: event.pull_request?.head?.sha,
    };
}


/***/ }),

/***/ 8824:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.excludeMatcher = excludeMatcher;
const glob_1 = __nccwpck_require__(1954);
// The `exclude` globs, matched against every path a report names. A report's paths are outside
// text of any length, and a backtracking regular expression takes time of the order of n^k on a
// path of n segments for a glob with k `**` (`**/gen/**/gen/**/*.py` on gen/gen/gen/...: half an
// hour for 10,000 segments). Here the globs are compiled into one automaton whose states are
// followed all at once (Thompson's construction), the sets of states met turned into states of
// a deterministic automaton as they come: a path costs its length (times the globs' size, the
// first time a set is met), whatever it holds. The globs mean exactly what globToRegExp makes
// of them.
const TEST = 0;
const SPLIT = 1;
const JUMP = 2;
const MATCH = 3;
const SLASH = 47;
const notSlash = (code) => code !== SLASH;
/** `.` of a regular expression: anything but a line terminator. */
const anything = (code) => code !== 10 && code !== 13 && code !== 0x2028 && code !== 0x2029;
/** The pieces of a glob, read as globToRegExp reads it. */
function parse(glob) {
    const stack = [];
    let options = [[]];
    let current = options[0];
    for (let i = 0; i < glob.length; i++) {
        const char = glob[i];
        if (char === '*') {
            if (glob[i + 1] === '*') {
                const atSegmentStart = i === 0 || glob[i - 1] === '/';
                if (atSegmentStart && glob[i + 2] === '/') {
                    current.push({ kind: 'segments' });
                    i += 2;
                }
                else {
                    current.push({ kind: 'run', test: anything });
                    i += 1;
                }
            }
            else {
                current.push({ kind: 'run', test: notSlash });
            }
        }
        else if (char === '?') {
            current.push({ kind: 'one', test: notSlash });
        }
        else if (char === '[' && glob.indexOf(']', i + 1) >= 0) {
            const close = glob.indexOf(']', i + 1);
            const body = glob
                .slice(i + 1, close)
                .replace(/^!/, '^')
                .replace(/\\/g, '\\\\');
            const set = new RegExp(`[${body}]`);
            current.push({ kind: 'one', test: (code) => set.test(String.fromCharCode(code)) });
            i = close;
        }
        else if (char === '{') {
            stack.push(options);
            options = [[]];
            current = options[0];
        }
        else if (char === '}' && stack.length > 0) {
            const group = { kind: 'alternatives', options };
            options = stack.pop();
            current = options[options.length - 1];
            current.push(group);
        }
        else if (char === ',' && stack.length > 0) {
            current = [];
            options.push(current);
        }
        else {
            const code = glob.charCodeAt(i);
            current.push({ kind: 'one', test: (other) => other === code });
        }
    }
    return options.length === 1 ? options[0] : [{ kind: 'alternatives', options }];
}
function compile(pieces, program) {
    for (const piece of pieces) {
        const start = program.length;
        switch (piece.kind) {
            case 'one':
                program.push({ op: TEST, test: piece.test });
                break;
            case 'run': {
                // start: split(body, after); body: test; jump start
                program.push({ op: SPLIT, to: start + 1 });
                program.push({ op: TEST, test: piece.test });
                program.push({ op: JUMP, to: start });
                program[start].alternative = program.length;
                break;
            }
            case 'segments': {
                // start: split(segment, after); segment: [^/]* then '/', back to start
                program.push({ op: SPLIT, to: start + 1 });
                program.push({ op: SPLIT, to: start + 2, alternative: start + 4 });
                program.push({ op: TEST, test: notSlash });
                program.push({ op: JUMP, to: start + 1 });
                program.push({ op: TEST, test: (code) => code === SLASH });
                program.push({ op: JUMP, to: start });
                program[start].alternative = program.length;
                break;
            }
            case 'alternatives': {
                const jumps = [];
                piece.options.forEach((option, index) => {
                    const last = index === piece.options.length - 1;
                    const split = program.length;
                    if (!last)
                        program.push({ op: SPLIT, to: split + 1 });
                    compile(option, program);
                    if (!last) {
                        jumps.push(program.length);
                        program.push({ op: JUMP });
                        program[split].alternative = program.length;
                    }
                });
                for (const jump of jumps)
                    program[jump].to = program.length;
                break;
            }
        }
    }
}
const MAX_CACHED_SETS = 10_000;
/**
 * Whether a path matches any of the globs, in time proportional to the path's length (times
 * the globs' size). A glob that is not valid throws as globToRegExp throws.
 */
function excludeMatcher(globs) {
    if (globs.length === 0)
        return () => false;
    globs.forEach(glob_1.globToRegExp);
    const program = [];
    compile([{ kind: 'alternatives', options: globs.map(parse) }], program);
    program.push({ op: MATCH });
    const size = program.length;
    const seen = new Uint32Array(size);
    let generation = 0;
    const pending = new Int32Array(size * 2 + 1);
    /** The states `starts` reach without reading a character (those that read one, or match). */
    const closure = (starts) => {
        if (++generation === 0xffffffff) {
            seen.fill(0);
            generation = 1;
        }
        const reached = [];
        let top = 0;
        for (const start of starts)
            pending[top++] = start;
        while (top > 0) {
            const at = pending[--top];
            if (seen[at] === generation)
                continue;
            seen[at] = generation;
            const instruction = program[at];
            if (instruction.op === JUMP)
                pending[top++] = instruction.to;
            else if (instruction.op === SPLIT) {
                pending[top++] = instruction.alternative;
                pending[top++] = instruction.to;
            }
            else
                reached.push(at);
        }
        return reached.sort((a, b) => a - b);
    };
    // Sets of states met so far become states of a deterministic automaton, built as paths
    // need them: a character then costs one lookup, not one test per state. The cache is
    // dropped should it grow past a bound, which only makes the next paths build it again.
    const states = new Map();
    const setOf = (pcs) => {
        const key = pcs.join(',');
        let set = states.get(key);
        if (set === undefined) {
            if (states.size >= MAX_CACHED_SETS)
                states.clear();
            set = {
                pcs,
                accepting: pcs.some((pc) => program[pc].op === MATCH),
                ascii: new Array(128),
                other: new Map(),
            };
            states.set(key, set);
        }
        return set;
    };
    const step = (set, code) => {
        const cached = code < 128 ? set.ascii[code] : set.other.get(code);
        if (cached !== undefined)
            return cached;
        const starts = [];
        for (const pc of set.pcs) {
            const instruction = program[pc];
            if (instruction.op === TEST && instruction.test(code))
                starts.push(pc + 1);
        }
        const next = setOf(closure(starts));
        if (code < 128)
            set.ascii[code] = next;
        else
            set.other.set(code, next);
        return next;
    };
    return (path) => {
        let set = setOf(closure([0]));
        for (let i = 0; i < path.length && set.pcs.length > 0; i++)
            set = step(set, path.charCodeAt(i));
        return set.accepting;
    };
}


/***/ }),

/***/ 1146:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.REVISION = void 0;
exports.gitIn = gitIn;
exports.diffAgainst = diffAgainst;
exports.isInsideWorkTree = isInsideWorkTree;
const duration_1 = __nccwpck_require__(3788);
/**
 * Git in `cwd`, never prompting for credentials, its messages in English for the log. A
 * command past `timeoutMs` (git-timeout) is killed, and fails with stderr saying so.
 */
function gitIn(exec, cwd, env, timeoutMs) {
    return async (args) => {
        const result = await exec('git', args, {
            cwd,
            env: { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
            timeoutMs,
        });
        if (result.error)
            throw result.error;
        if (result.timedOut) {
            return {
                ...result,
                code: result.code ?? 1,
                stderr: `git ${args[0] === '-c' ? args[2] : args[0]} did not finish within git-timeout (${(0, duration_1.formatDuration)(timeoutMs)})`,
            };
        }
        return result;
    };
}
/** A revision as git takes it, never an option: refused before git sees it. */
exports.REVISION = /^[A-Za-z0-9_][A-Za-z0-9_./~^@{}+-]*$/;
/**
 * The diff of the workspace's HEAD against `base`, fetching the base commit when the
 * checkout is shallow and lacks it.
 */
async function diffAgainst(git, base) {
    const has = await git(['cat-file', '-e', `${base}^{commit}`]);
    if (has.code !== 0) {
        const fetched = await git(['fetch', '--no-tags', '--depth=1', 'origin', base]);
        if (fetched.code !== 0) {
            return {
                problem: `the base commit ${base} is not in the checkout and could not be fetched (${fetched.stderr.trim().split('\n').pop() ?? ''}). Check out with fetch-depth: 0, or set diff-base to a commit that is present.`,
            };
        }
    }
    const diff = await git([
        '-c',
        'core.quotePath=false',
        'diff',
        '--no-color',
        '--no-ext-diff',
        '--unified=0',
        '--relative',
        base,
        'HEAD',
        '--',
    ]);
    if (diff.code !== 0)
        return { problem: `git diff ${base} HEAD failed: ${diff.stderr.trim()}` };
    return { diff: diff.stdout };
}
async function isInsideWorkTree(git) {
    const result = await git(['rev-parse', '--is-inside-work-tree']);
    return result.code === 0 && result.stdout.trim() === 'true';
}


/***/ }),

/***/ 6599:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.GitHubApiError = void 0;
exports.connectGitHub = connectGitHub;
const retry_1 = __nccwpck_require__(4280);
const outside_text_1 = __nccwpck_require__(6725);
/** A failed API call: what was being done, the HTTP status when there was one, GitHub's words. */
class GitHubApiError extends Error {
    status;
    constructor(what, status, detail) {
        super(`${what} ${status ? `answered HTTP ${status}` : 'failed'}${detail ? `: ${(0, outside_text_1.inertInline)(detail.slice(0, 300))}` : ''}`);
        this.status = status;
        this.name = 'GitHubApiError';
    }
}
exports.GitHubApiError = GitHubApiError;
function classify(error) {
    if (!(error instanceof GitHubApiError))
        return { retry: false };
    const { status } = error;
    if (status === undefined || status === 429 || status >= 500) {
        return { retry: true, reason: error.message };
    }
    return { retry: false };
}
function describe(what, error) {
    const failure = (error ?? {});
    const status = typeof failure.status === 'number' && failure.status > 0 ? failure.status : undefined;
    const message = failure.response?.data?.message;
    return new GitHubApiError(what, status, typeof message === 'string' ? message : (failure.message ?? String(error)));
}
async function connectGitHub(access, clock) {
    const { getOctokit } = await __nccwpck_require__.e(/* import() */ 228).then(__nccwpck_require__.t.bind(__nccwpck_require__, 3228, 23));
    const octokit = getOctokit(access.token, {
        baseUrl: access.apiUrl.replace(/\/+$/, ''),
        userAgent: 'coverage-gate',
    });
    const [owner, repo] = access.repository.split('/');
    const call = (what, run) => (0, retry_1.withRetry)(async () => {
        try {
            return await run();
        }
        catch (error) {
            throw describe(what, error);
        }
    }, { attempts: 3, backoff: { initialMs: 1_000, maxMs: 8_000 }, clock, classify });
    return {
        async userLogin() {
            try {
                const { data } = await call('Reading the token’s user', () => octokit.rest.users.getAuthenticated());
                return data.login;
            }
            catch (error) {
                if (error instanceof GitHubApiError && error.status === 403)
                    return undefined;
                throw error;
            }
        },
        async viewerLogin() {
            const answer = await call('Asking GraphQL for the viewer', () => octokit.graphql('query { viewer { login __typename } }'));
            const { login, __typename: type } = answer.viewer;
            return type === 'Bot' && !login.endsWith('[bot]') ? `${login}[bot]` : login;
        },
        listComments(pullRequest) {
            return call('Listing the pull request comments', () => octokit.paginate(octokit.rest.issues.listComments, {
                owner,
                repo,
                issue_number: pullRequest,
                per_page: 100,
            }));
        },
        async createComment(pullRequest, body) {
            const { data } = await call('Creating the coverage comment', () => octokit.rest.issues.createComment({ owner, repo, issue_number: pullRequest, body }));
            return data;
        },
        async updateComment(id, body) {
            const { data } = await call('Updating the coverage comment', () => octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body }));
            return data;
        },
        async pullRequest(pullRequest) {
            const { data } = await call('Reading the pull request', () => octokit.rest.pulls.get({ owner, repo, pull_number: pullRequest }));
            return { state: data.state, headSha: data.head.sha };
        },
    };
}


/***/ }),

/***/ 9602:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.walkFiles = walkFiles;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
// The files of the workspace that report globs are matched against (see shared/glob.ts).
/** Folders no coverage report or source file of the project lives in. */
const SKIPPED = new Set(['.git', 'node_modules']);
/**
 * Every file under `root`/`start`, as paths relative to `root`, skipping .git and
 * node_modules; symbolic links to folders are not followed (they are listed as files). Each
 * folder walked is handed to `onFolder`.
 */
function walkFiles(root, start = '', limit = 1_000_000, onFolder) {
    const found = [];
    const pending = [start];
    while (pending.length > 0 && found.length < limit) {
        const relative = pending.pop();
        let entries;
        try {
            entries = (0, node_fs_1.readdirSync)(node_path_1.default.join(root, relative), { withFileTypes: true });
        }
        catch {
            continue;
        }
        for (const entry of entries) {
            const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
            if (entry.isDirectory()) {
                if (!SKIPPED.has(entry.name)) {
                    pending.push(child);
                    onFolder?.(child);
                }
            }
            else if (entry.isFile() || entry.isSymbolicLink()) {
                found.push(child);
            }
        }
    }
    return found.sort();
}


/***/ }),

/***/ 4945:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.getInputs = getInputs;
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const input_values_1 = __nccwpck_require__(9153);
const mask_1 = __nccwpck_require__(7624);
const git_1 = __nccwpck_require__(1146);
const path_mapping_1 = __nccwpck_require__(160);
const percent_1 = __nccwpck_require__(2571);
const formats_1 = __nccwpck_require__(7394);
function optionalPercent(name, raw) {
    return raw === '' ? undefined : (0, percent_1.parsePercent)(name, raw);
}
/** Reads and checks every input, before the step touches anything. The token is masked first. */
function getInputs(runner, env) {
    const githubToken = runner.getInput('github-token');
    (0, mask_1.maskSecret)(githubToken, (value) => runner.setSecret(value));
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const inWorkspace = (file) => node_path_1.default.resolve(workspace, file);
    const formatText = runner.getInput('format') || 'auto';
    if (formatText !== 'auto' && !formats_1.FORMATS.includes(formatText)) {
        throw new errors_1.ConfigurationError('format', `'${formatText}' is not a format this action reads. Use auto or one of: ${formats_1.FORMATS.join(', ')}.`);
    }
    const thresholds = {
        minCoverage: optionalPercent('min-coverage', runner.getInput('min-coverage')),
        minLine: optionalPercent('min-line', runner.getInput('min-line')),
        minBranch: optionalPercent('min-branch', runner.getInput('min-branch')),
        minFunction: optionalPercent('min-function', runner.getInput('min-function')),
        minFile: optionalPercent('min-file', runner.getInput('min-file')),
        minDiff: optionalPercent('min-diff', runner.getInput('min-diff')),
        maxDrop: optionalPercent('max-drop', runner.getInput('max-drop')),
    };
    const diffBase = runner.getInput('diff-base') || undefined;
    if (diffBase !== undefined && !git_1.REVISION.test(diffBase)) {
        throw new errors_1.ConfigurationError('diff-base', `'${diffBase}' is not a git revision. Give a commit SHA or a ref such as origin/main.`);
    }
    const comment = runner.getInput('comment') || 'off';
    if (!['off', 'always', 'on-failure', 'file'].includes(comment)) {
        throw new errors_1.ConfigurationError('comment', `'${comment}' is not one of off, always, on-failure, file.`);
    }
    const commentFrom = runner.getInput('comment-from') || undefined;
    if (commentFrom !== undefined && env.GITHUB_EVENT_NAME !== 'workflow_run') {
        throw new errors_1.ConfigurationError('comment-from', `posts a comment file from a workflow_run workflow, and this run's event is ${env.GITHUB_EVENT_NAME || 'unknown'}. Run it in a workflow "on: workflow_run", after the pull request's workflow wrote the file with comment: file.`);
    }
    if (commentFrom !== undefined && comment === 'file') {
        throw new errors_1.ConfigurationError('comment', 'is file, and comment-from is set: a step either writes the comment file or posts one. Leave comment out of the step that posts.');
    }
    const commentId = runner.getInput('comment-id') || undefined;
    if (commentId !== undefined && (commentId.length > 200 || /[\r\n]/.test(commentId))) {
        throw new errors_1.ConfigurationError('comment-id', 'must be one line of at most 200 characters (e.g. py${{ matrix.python }}).');
    }
    if (((comment !== 'off' && comment !== 'file') || commentFrom) && githubToken === '') {
        throw new errors_1.ConfigurationError('github-token', 'is empty, and comment is on. Pass a token that may write pull request comments: github-token: ${{ github.token }} with permissions: pull-requests: write.');
    }
    const baseline = runner.getInput('baseline');
    const badge = runner.getInput('badge');
    const summaryFile = runner.getInput('summary-file');
    const commentFile = runner.getInput('comment-file');
    const files = (0, input_values_1.parseList)(runner.getInput('files'), /\n/);
    const runnerTemp = env.RUNNER_TEMP || workspace;
    return {
        workspace,
        files: files.length > 0 ? files : undefined,
        format: formatText === 'auto' ? undefined : formatText,
        thresholds,
        baseline: baseline ? inWorkspace(baseline) : undefined,
        diffBase,
        gitTimeoutMs: (0, input_values_1.parsePositiveDuration)('git-timeout', runner.getInput('git-timeout')),
        exclude: (0, input_values_1.parseList)(runner.getInput('exclude'), /\n/),
        pathPrefixes: (0, path_mapping_1.parsePrefixRules)((0, input_values_1.parseList)(runner.getInput('path-prefix'), /\n/)),
        sourceRoots: (0, input_values_1.parseList)(runner.getInput('source-roots'), /\n/).map((root) => root.replace(/\\/g, '/').replace(/^\.\/|\/+$/g, '')),
        comment: comment,
        commentId,
        commentFile: commentFile
            ? inWorkspace(commentFile)
            : node_path_1.default.join(runnerTemp, 'coverage-comment.json'),
        commentFrom: commentFrom ? inWorkspace(commentFrom) : undefined,
        githubToken,
        annotate: (0, input_values_1.parseBoolean)('annotate', runner.getInput('annotate') || 'true'),
        badge: badge ? inWorkspace(badge) : undefined,
        summaryFile: summaryFile
            ? inWorkspace(summaryFile)
            : node_path_1.default.join(runnerTemp, 'coverage-gate-summary.json'),
    };
}


/***/ }),

/***/ 4609:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.run = run;
exports.main = main;
const errors_1 = __nccwpck_require__(9223);
const step_1 = __nccwpck_require__(6254);
const discovery_1 = __nccwpck_require__(1380);
const event_1 = __nccwpck_require__(3230);
const git_1 = __nccwpck_require__(1146);
const inputs_1 = __nccwpck_require__(4945);
const measure_changed_lines_1 = __nccwpck_require__(9693);
const metrics_1 = __nccwpck_require__(2823);
const publish_1 = __nccwpck_require__(6593);
const post_comment_1 = __nccwpck_require__(6082);
const read_reports_1 = __nccwpck_require__(4834);
const summary_file_1 = __nccwpck_require__(2005);
const verdict_1 = __nccwpck_require__(855);
async function run() {
    await (0, step_1.runMainStep)(main);
}
async function main(ctx) {
    const inputs = (0, inputs_1.getInputs)(ctx.runner, ctx.env);
    const log = new CountingLog(ctx.log);
    const event = (0, event_1.eventFacts)(ctx.event);
    const access = githubAccess(ctx, inputs.githubToken);
    // A fork's comment, written by the pull request's workflow, posted from workflow_run.
    if (inputs.commentFrom) {
        await (0, post_comment_1.postCommentFile)({
            file: inputs.commentFrom,
            commentId: inputs.commentId,
            workflow: ctx.env.GITHUB_WORKFLOW ?? '',
            job: ctx.env.GITHUB_JOB ?? '',
        }, access, ctx, log);
        return;
    }
    // Read every report into one set of files, their paths mapped onto the workspace.
    const reports = (0, discovery_1.findReports)(inputs.workspace, inputs.files, inputs.format, log);
    const { set, infos } = await (0, read_reports_1.readReports)(reports, {
        workspace: inputs.workspace,
        prefixes: inputs.pathPrefixes,
        sourceRoots: inputs.sourceRoots,
        exclude: inputs.exclude,
    }, log);
    const figures = (0, metrics_1.measure)(set, infos, inputs.thresholds);
    for (const warning of figures.warnings)
        log.warning(warning);
    // What the gate compares with: the lines changed since the base commit, the baseline.
    const changed = await (0, measure_changed_lines_1.measureChangedLines)({
        workspace: inputs.workspace,
        base: inputs.diffBase ?? event.base,
        minDiff: inputs.thresholds.minDiff,
        wanted: inputs.thresholds.minDiff !== undefined || inputs.annotate || inputs.comment !== 'off',
    }, set, (0, git_1.gitIn)(ctx.exec, inputs.workspace, ctx.env, inputs.gitTimeoutMs), log);
    const baseline = (0, summary_file_1.readBaselineFile)(inputs.baseline, log);
    // The verdict: everything the step says, decided before any of it is said.
    const verdict = (0, verdict_1.judge)({
        figures,
        thresholds: inputs.thresholds,
        changed,
        baseline,
        reports,
        warningsIssued: log.warnings,
        annotate: inputs.annotate,
        summaryFile: inputs.summaryFile,
        badge: inputs.badge,
        commit: ctx.env.GITHUB_SHA,
        comment: {
            mode: inputs.comment,
            pullRequest: event.pullRequest,
            workflow: ctx.env.GITHUB_WORKFLOW ?? '',
            job: ctx.env.GITHUB_JOB ?? '',
            id: inputs.commentId,
        },
    });
    // comment: file writes the comment for another workflow to post, never through the API.
    await publish(ctx, log, verdict, inputs.comment === 'file' ? undefined : access);
    if (inputs.comment === 'file') {
        (0, publish_1.writeCommentFile)(ctx.runner, verdict, inputs.commentFile, event.headSha, log);
    }
    if (!verdict.passed)
        throw new errors_1.ActionFailure(verdict.conclusion);
    log.info(verdict.conclusion);
}
/** Outputs and files first: they are what later steps use, whatever the verdict. */
async function publish(ctx, log, verdict, access) {
    for (const note of verdict.notes)
        log.info(note);
    (0, publish_1.writeOutputs)(ctx.runner, verdict);
    (0, publish_1.writeFiles)(ctx.runner, verdict);
    await (0, publish_1.writeJobSummary)(ctx.summary, verdict);
    (0, publish_1.writeAnnotations)(ctx.runner, log, verdict);
    if (access)
        await (0, publish_1.writeComment)(verdict, access, ctx, log);
}
/** The API of the server the workflow runs on (GitHub Enterprise Server sets GITHUB_API_URL). */
function githubAccess(ctx, token) {
    return {
        apiUrl: ctx.env.GITHUB_API_URL || 'https://api.github.com',
        repository: ctx.env.GITHUB_REPOSITORY ?? '',
        token,
    };
}
/** The step's log, counting warnings: GitHub's per-step limit counts them with the annotations. */
class CountingLog {
    log;
    warnings = 0;
    constructor(log) {
        this.log = log;
    }
    info = (message) => this.log.info(message);
    debug = (message) => this.log.debug(message);
    notice = (message) => this.log.notice(message);
    warning = (message) => {
        this.warnings++;
        this.log.warning(message);
    };
}


/***/ }),

/***/ 5701:
/***/ ((__unused_webpack_module, exports) => {


// Outside text (file names, report names, a forwarded comment) put into Markdown that GitHub
// renders, so that it shows as the text it is and does nothing: no HTML, no emphasis, links or
// table breaks, no autolink, no @mention that notifies anyone, no #123 cross-reference.
//
// Backslash escapes cover what CommonMark parses inline (HTML, code, emphasis, links, tables,
// GitHub's strikethrough and math), and a leading marker that would open a nested list. Mentions, autolinks and references are found by GitHub in the rendered text, after
// escapes are gone, so those get a zero-width joiner (U+200D) where it breaks the pattern:
// after `@`, after the `:` of `://`, after `www` before its dot, after `#` before a digit. The
// text reads the same; a copied name holds the invisible character.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.markdownText = markdownText;
exports.neutraliseMentions = neutraliseMentions;
const ZWJ = '\u200d';
const ESCAPED = /[\\`*_[\]<>|~&$#]/g;
/** Outside text as inert Markdown inline text, on one line (table cells, list items). */
function markdownText(text) {
    return text
        .replace(/\r\n|\r|\n/g, ' ')
        .replace(ESCAPED, (char) => `\\${char}`)
        .replace(/^(\s*)([-+])(?=\s|$)/, '$1\\$2')
        .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2')
        .replace(/@/g, `@${ZWJ}`)
        .replace(/:(?=\/\/)/g, `:${ZWJ}`)
        .replace(/\b(www)(?=\.)/gi, `$1${ZWJ}`)
        .replace(/#(?=\d)/g, `#${ZWJ}`);
}
/**
 * Markdown written elsewhere (a comment file from another workflow), kept as Markdown but with
 * every @mention made inert, so that posting it notifies nobody, and with no HTML comment that
 * could pass for a marker of this action.
 */
function neutraliseMentions(markdown) {
    return markdown.replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWJ}`).replace(/<!--/g, '&lt;!--');
}


/***/ }),

/***/ 9693:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.measureChangedLines = measureChangedLines;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const changed_lines_1 = __nccwpck_require__(9320);
const git_1 = __nccwpck_require__(1146);
const NO_COMMIT = /^0+$/;
/**
 * Coverage of the lines changed since the base commit. Without a base or a git checkout they
 * are not measured, and that is said; min-diff fails only where git could have answered.
 */
async function measureChangedLines(request, set, git, log) {
    if (!request.wanted)
        return {};
    const { base, minDiff } = request;
    if (!base || NO_COMMIT.test(base)) {
        const diffNote = 'No base commit to compare with (not a pull request, or the first push of a branch): changed lines not measured.';
        if (minDiff)
            log.info(diffNote);
        return { diffNote };
    }
    if (!git_1.REVISION.test(base)) {
        return {
            diffNote: `The event's base '${base}' is not a git revision: changed lines not measured.`,
        };
    }
    if (!(0, node_fs_1.existsSync)(node_path_1.default.join(request.workspace, '.git')) && !(await (0, git_1.isInsideWorkTree)(git))) {
        const problem = 'the workspace is not a git checkout (run actions/checkout before this step)';
        if (minDiff)
            throw new errors_1.ActionFailure(`min-diff cannot be checked: ${problem}.`);
        log.warning(`Changed lines not measured: ${problem}.`);
        return { diffNote: `Not measured: ${problem}.` };
    }
    const result = await (0, git_1.diffAgainst)(git, base);
    if ('problem' in result) {
        if (minDiff)
            throw new errors_1.ActionFailure(`min-diff cannot be checked: ${result.problem}`);
        log.warning(`Changed lines not measured: ${result.problem}`);
        return { diffNote: `Not measured: ${result.problem}` };
    }
    const diff = (0, changed_lines_1.diffCoverage)(set, (0, changed_lines_1.parseUnifiedDiff)(result.diff));
    return { diff, diffBase: base };
}


/***/ }),

/***/ 2823:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.INPUT_NAMES = void 0;
exports.measure = measure;
exports.computeTotals = computeTotals;
exports.chooseHeadline = chooseHeadline;
exports.checkMeasurable = checkMeasurable;
exports.evaluate = evaluate;
exports.closeCalls = closeCalls;
const errors_1 = __nccwpck_require__(9223);
const percent_1 = __nccwpck_require__(2571);
/**
 * The merged reports' figures. A threshold on a metric no report measures is refused here,
 * before anything else is looked at.
 */
function measure(set, reports, thresholds) {
    const totals = computeTotals(set);
    checkMeasurable(totals, thresholds);
    const headline = chooseHeadline(totals, reports);
    const warnings = [];
    if (reports.some((report) => report.inexactBranches) && !headline.printed) {
        warnings.push('A coverage.py text report with branch columns cannot be merged exactly with other reports: the headline is line coverage. Use `coverage json` for exact figures.');
    }
    for (const input of closeCalls(headline, thresholds)) {
        warnings.push(`The coverage.py total ${(0, percent_1.formatExact)(headline.value)}% is the figure coverage.py printed, rounded, and lies within half a point of ${input}: the verdict may be off by the rounding. Gate on \`coverage json\` (or a report without branch columns) for exact counts.`);
    }
    return { totals, headline, warnings };
}
function add(sum, part) {
    if (!part)
        return sum;
    return { covered: (sum?.covered ?? 0) + part.covered, total: (sum?.total ?? 0) + part.total };
}
function computeTotals(set) {
    const files = set.figures();
    let lines = { covered: 0, total: 0 };
    let branches;
    let functions;
    let statements;
    for (const file of files) {
        lines = add(lines, file.lines);
        branches = add(branches, file.branches);
        functions = add(functions, file.functions);
        statements = add(statements, file.statements);
    }
    return { lines, branches, functions, statements, files };
}
/**
 * The headline figure is the producing tool's own: coverage.py's total (statements and
 * branches together) for coverage.py reports, Go's statement coverage for Go profiles, line
 * coverage for everything else and for mixes of tools.
 */
function chooseHeadline(totals, reports) {
    const families = new Set(reports.map((report) => report.family));
    const only = families.size === 1 ? reports[0].family : undefined;
    if (only === 'coverage.py') {
        const inexact = reports.filter((report) => report.inexactBranches);
        if (inexact.length > 0) {
            const printed = reports.length === 1 ? (0, percent_1.readPrintedPercent)(reports[0].printedTotal ?? '') : undefined;
            if (printed) {
                return {
                    basis: 'coverage.py total (as printed)',
                    value: (0, percent_1.exactOfPercent)(printed),
                    printed: true,
                };
            }
            return { basis: 'lines', ratio: totals.lines, value: valueOf(totals.lines), printed: false };
        }
        const ratio = {
            covered: totals.lines.covered + (totals.branches?.covered ?? 0),
            total: totals.lines.total + (totals.branches?.total ?? 0),
        };
        return {
            basis: totals.branches
                ? 'coverage.py total (statements and branches)'
                : 'coverage.py total (statements)',
            ratio,
            value: valueOf(ratio),
            printed: false,
        };
    }
    if (only === 'go' && totals.statements) {
        return {
            basis: 'statements',
            ratio: totals.statements,
            value: valueOf(totals.statements),
            printed: false,
        };
    }
    return { basis: 'lines', ratio: totals.lines, value: valueOf(totals.lines), printed: false };
}
function valueOf(ratio) {
    return ratio && ratio.total > 0 ? (0, percent_1.exactOfRatio)(ratio) : undefined;
}
exports.INPUT_NAMES = {
    minCoverage: 'min-coverage',
    minLine: 'min-line',
    minBranch: 'min-branch',
    minFunction: 'min-function',
    minFile: 'min-file',
    minDiff: 'min-diff',
    maxDrop: 'max-drop',
};
/** A threshold on a metric no report measures is a mistake in the workflow. */
function checkMeasurable(totals, thresholds) {
    const missing = [
        ['minBranch', 'branches', totals.branches],
        ['minFunction', 'functions', totals.functions],
    ];
    for (const [key, metric, value] of missing) {
        if (thresholds[key] && value === undefined) {
            throw new errors_1.ConfigurationError(exports.INPUT_NAMES[key], `no report measures ${metric}. Turn on ${metric} measurement in the coverage tool (coverage.py: --cov-branch or branch = true), or remove the threshold.`);
        }
    }
}
function percentText(value) {
    return value === undefined ? '' : (0, percent_1.formatExact)(value);
}
function below(label, input, actual, threshold, detail = '') {
    return `${label} ${(0, percent_1.formatExact)(actual)}% < ${(0, percent_1.formatPercent)(threshold)}% (${input})${detail}`;
}
function counted(ratio, noun) {
    return ratio ? `: ${ratio.covered} of ${ratio.total} ${noun} covered` : '';
}
/** Each threshold set, checked on exact counts. */
function evaluate(input) {
    const { totals, headline, thresholds } = input;
    const checks = [];
    const ratioCheck = (key, label, value, detail) => {
        const threshold = thresholds[key];
        if (!threshold)
            return;
        const name = exports.INPUT_NAMES[key];
        if (value === undefined) {
            checks.push({
                input: key,
                label,
                actual: '',
                expected: `${(0, percent_1.formatPercent)(threshold)}%`,
                passed: true,
                message: `${label}: nothing to measure (no line of that kind in the reports).`,
            });
            return;
        }
        const passed = (0, percent_1.compareExact)(value, (0, percent_1.exactOfPercent)(threshold)) >= 0;
        checks.push({
            input: key,
            label,
            actual: percentText(value),
            expected: `${(0, percent_1.formatPercent)(threshold)}%`,
            passed,
            message: passed ? undefined : below(label, name, value, threshold, detail),
        });
    };
    ratioCheck('minCoverage', 'Coverage', headline.value, headline.ratio ? counted(headline.ratio, headline.basis) : ` (${headline.basis})`);
    ratioCheck('minLine', 'Lines', valueOf(totals.lines), counted(totals.lines, 'lines'));
    ratioCheck('minBranch', 'Branches', valueOf(totals.branches), counted(totals.branches, 'branches'));
    ratioCheck('minFunction', 'Functions', valueOf(totals.functions), counted(totals.functions, 'functions'));
    if (thresholds.minFile) {
        const threshold = thresholds.minFile;
        const failing = [];
        for (const file of totals.files) {
            if (file.unnamed || file.lines.total === 0)
                continue;
            if ((0, percent_1.compareExact)((0, percent_1.exactOfRatio)(file.lines), (0, percent_1.exactOfPercent)(threshold)) < 0)
                failing.push(file);
        }
        failing.sort((a, b) => (0, percent_1.compareRatios)(a.lines, b.lines));
        const worst = failing[0];
        checks.push({
            input: 'minFile',
            label: 'Every file',
            actual: worst ? (0, percent_1.formatExact)((0, percent_1.exactOfRatio)(worst.lines)) : '',
            expected: `${(0, percent_1.formatPercent)(threshold)}%`,
            passed: failing.length === 0,
            message: failing.length === 0
                ? undefined
                : `${failing.length} file${failing.length === 1 ? '' : 's'} below ${(0, percent_1.formatPercent)(threshold)}% (min-file): ` +
                    failing
                        .slice(0, 5)
                        .map((file) => `${file.path} ${(0, percent_1.formatExact)((0, percent_1.exactOfRatio)(file.lines))}%`)
                        .join(', ') +
                    (failing.length > 5 ? `, and ${failing.length - 5} more` : ''),
        });
    }
    if (thresholds.minDiff) {
        const threshold = thresholds.minDiff;
        const value = valueOf(input.diff);
        if (value === undefined) {
            checks.push({
                input: 'minDiff',
                label: 'Changed lines',
                actual: '',
                expected: `${(0, percent_1.formatPercent)(threshold)}%`,
                passed: true,
                message: input.diffUnavailable ?? 'No changed line is measured by the reports.',
            });
        }
        else {
            const passed = (0, percent_1.compareExact)(value, (0, percent_1.exactOfPercent)(threshold)) >= 0;
            checks.push({
                input: 'minDiff',
                label: 'Changed lines',
                actual: (0, percent_1.formatExact)(value),
                expected: `${(0, percent_1.formatPercent)(threshold)}%`,
                passed,
                message: passed
                    ? undefined
                    : below('Changed lines', 'min-diff', value, threshold, counted(input.diff, 'changed lines')),
            });
        }
    }
    if (thresholds.maxDrop) {
        const threshold = thresholds.maxDrop;
        const current = headline.value;
        if (input.baseline === undefined || current === undefined) {
            checks.push({
                input: 'maxDrop',
                label: 'Drop from baseline',
                actual: '',
                expected: `${(0, percent_1.formatPercent)(threshold)} points`,
                passed: true,
                message: input.baseline === undefined
                    ? 'No baseline to compare with: max-drop not checked.'
                    : 'Nothing measured.',
            });
        }
        else {
            const drop = (0, percent_1.subtractExact)(input.baseline, current);
            const passed = (0, percent_1.compareExact)(drop, (0, percent_1.exactOfPercent)(threshold)) <= 0;
            const dropText = (0, percent_1.formatExact)(drop, 2, passed ? 'down' : 'up');
            checks.push({
                input: 'maxDrop',
                label: 'Drop from baseline',
                actual: `${dropText} points`,
                expected: `${(0, percent_1.formatPercent)(threshold)} points`,
                passed,
                message: passed
                    ? undefined
                    : `Coverage fell ${dropText} points, from ${(0, percent_1.formatExact)(input.baseline)}% to ${(0, percent_1.formatExact)(current)}% (max-drop ${(0, percent_1.formatPercent)(threshold)})`,
            });
        }
    }
    return checks;
}
/**
 * A printed coverage.py total is rounded by coverage.py: within half a point of a threshold
 * the verdict may differ from the exact one. Returns the thresholds that close.
 */
function closeCalls(headline, thresholds) {
    if (!headline.printed || headline.value === undefined)
        return [];
    const half = { num: 1n, den: 2n };
    return ['minCoverage']
        .filter((key) => {
        const threshold = thresholds[key];
        if (!threshold)
            return false;
        const gap = (0, percent_1.subtractExact)(headline.value, (0, percent_1.exactOfPercent)(threshold));
        const distance = gap.num < 0n ? { num: -gap.num, den: gap.den } : gap;
        return (0, percent_1.compareExact)(distance, half) <= 0;
    })
        .map((key) => exports.INPUT_NAMES[key]);
}


/***/ }),

/***/ 9291:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.EMPTY_LINES = exports.FunctionBuilder = exports.BranchBuilder = exports.LineBuilder = void 0;
exports.saturate = saturate;
exports.takeIf = takeIf;
const MAX_HITS = 0xffffffff;
function saturate(hits) {
    return hits > MAX_HITS ? MAX_HITS : hits < 0 ? 0 : Math.floor(hits);
}
/**
 * Collects one file's line hits in reusable buffers, then hands them over sorted, with
 * repeated lines summed. One builder serves a whole report, file after file.
 */
class LineBuilder {
    lineBuffer = new Uint32Array(1024);
    hitBuffer = new Uint32Array(1024);
    length = 0;
    sorted = true;
    add(line, hits) {
        if (this.length === this.lineBuffer.length)
            this.grow();
        const index = this.length++;
        if (index > 0 && this.lineBuffer[index - 1] >= line)
            this.sorted = false;
        this.lineBuffer[index] = line;
        this.hitBuffer[index] = saturate(hits);
    }
    get size() {
        return this.length;
    }
    /** The collected hits, and the builder emptied for the next file. */
    take() {
        const count = this.length;
        let lines = this.lineBuffer.slice(0, count);
        let hits = this.hitBuffer.slice(0, count);
        if (!this.sorted)
            [lines, hits] = sortAndSum(lines, hits);
        this.length = 0;
        this.sorted = true;
        return { lines, hits };
    }
    grow() {
        const lines = new Uint32Array(this.lineBuffer.length * 2);
        const hits = new Uint32Array(this.hitBuffer.length * 2);
        lines.set(this.lineBuffer);
        hits.set(this.hitBuffer);
        this.lineBuffer = lines;
        this.hitBuffer = hits;
    }
}
exports.LineBuilder = LineBuilder;
function sortAndSum(lines, hits) {
    const order = Array.from(lines.keys()).sort((a, b) => lines[a] - lines[b]);
    const outLines = [];
    const outHits = [];
    for (const index of order) {
        const last = outLines.length - 1;
        if (last >= 0 && outLines[last] === lines[index]) {
            outHits[last] = saturate(outHits[last] + hits[index]);
        }
        else {
            outLines.push(lines[index]);
            outHits.push(hits[index]);
        }
    }
    return [Uint32Array.from(outLines), Uint32Array.from(outHits)];
}
/** Collects branches of one file; each branch is placed by its line and its slot on that line. */
class BranchBuilder {
    entries = [];
    nextSlot = new Map();
    /** Adds the next branch of `line`; its slot is its order among the line's branches. */
    add(line, hits) {
        const slot = this.nextSlot.get(line) ?? 0;
        this.nextSlot.set(line, slot + 1);
        this.entries.push(line, slot, saturate(hits));
    }
    /** Adds a branch whose slot the report itself names (lcov's block and branch numbers). */
    addAt(line, slot, hits) {
        this.entries.push(line, slot, saturate(hits));
    }
    take() {
        const entries = this.entries;
        this.entries = [];
        this.nextSlot.clear();
        const count = entries.length / 3;
        const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => entries[a * 3] - entries[b * 3] || entries[a * 3 + 1] - entries[b * 3 + 1]);
        const lines = [];
        const slots = [];
        const hits = [];
        for (const i of order) {
            const last = lines.length - 1;
            if (last >= 0 && lines[last] === entries[i * 3] && slots[last] === entries[i * 3 + 1]) {
                hits[last] = saturate(hits[last] + entries[i * 3 + 2]);
            }
            else {
                lines.push(entries[i * 3]);
                slots.push(entries[i * 3 + 1]);
                hits.push(entries[i * 3 + 2]);
            }
        }
        return {
            lines: Uint32Array.from(lines),
            slots: Uint32Array.from(slots),
            hits: Uint32Array.from(hits),
        };
    }
}
exports.BranchBuilder = BranchBuilder;
/** Collects functions of one file by name; a name seen twice has its hits summed. */
class FunctionBuilder {
    byName = new Map();
    declare(name, line) {
        const known = this.byName.get(name);
        if (known) {
            if (known.line === 0)
                known.line = line;
        }
        else {
            this.byName.set(name, { line, hits: 0 });
        }
    }
    hit(name, hits, line = 0) {
        const known = this.byName.get(name);
        if (known)
            known.hits = saturate(known.hits + hits);
        else
            this.byName.set(name, { line, hits: saturate(hits) });
    }
    get size() {
        return this.byName.size;
    }
    take() {
        const names = [...this.byName.keys()];
        const values = [...this.byName.values()];
        this.byName = new Map();
        return {
            names,
            lines: Uint32Array.from(values, (value) => value.line),
            hits: Uint32Array.from(values, (value) => value.hits),
        };
    }
}
exports.FunctionBuilder = FunctionBuilder;
/** The builder's content when the report measures it; the builder is emptied either way. */
function takeIf(measured, builder) {
    const taken = builder.take();
    return measured ? taken : undefined;
}
exports.EMPTY_LINES = { lines: new Uint32Array(0), hits: new Uint32Array(0) };


/***/ }),

/***/ 4884:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.hashFunctionNames = hashFunctionNames;
exports.pack = pack;
exports.unpackLines = unpackLines;
exports.unpackBranches = unpackBranches;
exports.unpackFunctions = unpackFunctions;
exports.mergeLines = mergeLines;
exports.mergeBranches = mergeBranches;
exports.mergeFunctions = mergeFunctions;
exports.mergeInPlace = mergeInPlace;
exports.packedCounts = packedCounts;
const model_1 = __nccwpck_require__(9291);
/** Only a name's identity matters for merging; a hash of it costs no string per function. */
function hashFunctionNames(functions) {
    // A loop: Uint32Array.from with a map function is several times slower, once a file.
    const hashes = new Uint32Array(functions.names.length);
    for (let i = 0; i < hashes.length; i++)
        hashes[i] = hashName(functions.names[i]);
    return { hashes, lines: functions.lines, hits: functions.hits };
}
function hashName(name) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) {
        hash ^= name.charCodeAt(i);
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash;
}
// The packed layout, in 32-bit words:
//   [0] first line, [1] span of lines (bit 31 set: a sparse list instead of a bitmap),
//   [2] branch count or NONE, [3] function count or NONE, [4] measured line count;
//   lines: a bitmap of 2 bits a line from the first line on (measured, covered), or, when the
//   lines are few and far apart, one word a line: line << 1 | covered;
//   branches: two words each, line and slot << 1 | covered;
//   functions: two words each, name hash and line << 1 | covered.
// Hit counts are reduced to covered or not once merged, which is all a figure or an
// annotation uses; hits are added up before that, while records are merged.
const NONE = 0xffffffff;
const SPARSE = 0x80000000;
const HEADER = 5;
function pack(lines, branches, functions) {
    const count = lines.lines.length;
    const first = count > 0 ? lines.lines[0] : 0;
    const span = count > 0 ? lines.lines[count - 1] - first + 1 : 0;
    const bitmapWords = Math.ceil(span / 16);
    const sparse = bitmapWords > count;
    const lineWordCount = sparse ? count : bitmapWords;
    const branchCount = branches ? branches.lines.length : 0;
    const functionCount = functions ? functions.hashes.length : 0;
    const packed = new Uint32Array(HEADER + lineWordCount + 2 * branchCount + 2 * functionCount);
    packed[0] = first;
    packed[1] = sparse ? (span | SPARSE) >>> 0 : span;
    packed[2] = branches ? branchCount : NONE;
    packed[3] = functions ? functionCount : NONE;
    packed[4] = count;
    let at = HEADER;
    for (let i = 0; i < count; i++) {
        const covered = lines.hits[i] > 0 ? 1 : 0;
        if (sparse) {
            packed[at + i] = ((lines.lines[i] << 1) | covered) >>> 0;
        }
        else {
            const offset = (lines.lines[i] - first) * 2;
            packed[at + (offset >>> 5)] |= (1 | (covered << 1)) << (offset & 31);
        }
    }
    at += lineWordCount;
    for (let i = 0; i < branchCount; i++) {
        packed[at++] = branches.lines[i];
        packed[at++] = ((branches.slots[i] << 1) | (branches.hits[i] > 0 ? 1 : 0)) >>> 0;
    }
    for (let i = 0; i < functionCount; i++) {
        packed[at++] = functions.hashes[i];
        packed[at++] = ((functions.lines[i] << 1) | (functions.hits[i] > 0 ? 1 : 0)) >>> 0;
    }
    return packed;
}
function lineWords(packed) {
    return packed[1] & SPARSE ? packed[4] : Math.ceil(packed[1] / 16);
}
/** The measured lines of a packed file, with hits 1 for covered and 0 for not. */
function unpackLines(packed) {
    const count = packed[4];
    const lines = new Uint32Array(count);
    const hits = new Uint32Array(count);
    if (packed[1] & SPARSE) {
        for (let i = 0; i < count; i++) {
            lines[i] = packed[HEADER + i] >>> 1;
            hits[i] = packed[HEADER + i] & 1;
        }
        return { lines, hits };
    }
    const span = packed[1];
    let n = 0;
    for (let offset = 0; offset < span; offset++) {
        const bits = (packed[HEADER + (offset >>> 4)] >>> ((offset & 15) * 2)) & 3;
        if (bits & 1) {
            lines[n] = packed[0] + offset;
            hits[n++] = bits >>> 1;
        }
    }
    return { lines, hits };
}
function unpackBranches(packed) {
    if (packed[2] === NONE)
        return undefined;
    const count = packed[2];
    const at = HEADER + lineWords(packed);
    const lines = new Uint32Array(count);
    const slots = new Uint32Array(count);
    const hits = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
        lines[i] = packed[at + 2 * i];
        slots[i] = packed[at + 2 * i + 1] >>> 1;
        hits[i] = packed[at + 2 * i + 1] & 1;
    }
    return { lines, slots, hits };
}
function unpackFunctions(packed) {
    if (packed[3] === NONE)
        return undefined;
    const count = packed[3];
    const at = HEADER + lineWords(packed) + 2 * (packed[2] === NONE ? 0 : packed[2]);
    const hashes = new Uint32Array(count);
    const lines = new Uint32Array(count);
    const hits = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
        hashes[i] = packed[at + 2 * i];
        lines[i] = packed[at + 2 * i + 1] >>> 1;
        hits[i] = packed[at + 2 * i + 1] & 1;
    }
    return { hashes, lines, hits };
}
function mergeLines(a, b) {
    if (b.lines.length === 0)
        return a;
    if (a.lines.length === 0)
        return b;
    const lines = new Uint32Array(a.lines.length + b.lines.length);
    const hits = new Uint32Array(lines.length);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < a.lines.length || j < b.lines.length) {
        const left = i < a.lines.length ? a.lines[i] : Infinity;
        const right = j < b.lines.length ? b.lines[j] : Infinity;
        if (left === right) {
            lines[n] = left;
            hits[n++] = (0, model_1.saturate)(a.hits[i++] + b.hits[j++]);
        }
        else if (left < right) {
            lines[n] = left;
            hits[n++] = a.hits[i++];
        }
        else {
            lines[n] = right;
            hits[n++] = b.hits[j++];
        }
    }
    return { lines: lines.slice(0, n), hits: hits.slice(0, n) };
}
function mergeBranches(a, b) {
    if (b.lines.length === 0)
        return a;
    if (a.lines.length === 0)
        return b;
    const size = a.lines.length + b.lines.length;
    const lines = new Uint32Array(size);
    const slots = new Uint32Array(size);
    const hits = new Uint32Array(size);
    let i = 0;
    let j = 0;
    let n = 0;
    const order = (x, y) => i >= a.lines.length
        ? 1
        : j >= b.lines.length
            ? -1
            : a.lines[x] - b.lines[y] || a.slots[x] - b.slots[y];
    while (i < a.lines.length || j < b.lines.length) {
        const sign = order(i, j);
        if (sign === 0) {
            lines[n] = a.lines[i];
            slots[n] = a.slots[i];
            hits[n++] = (0, model_1.saturate)(a.hits[i++] + b.hits[j++]);
        }
        else if (sign < 0) {
            lines[n] = a.lines[i];
            slots[n] = a.slots[i];
            hits[n++] = a.hits[i++];
        }
        else {
            lines[n] = b.lines[j];
            slots[n] = b.slots[j];
            hits[n++] = b.hits[j++];
        }
    }
    return { lines: lines.slice(0, n), slots: slots.slice(0, n), hits: hits.slice(0, n) };
}
function mergeFunctions(a, b) {
    const byHash = new Map();
    for (const source of [a, b]) {
        source.hashes.forEach((hash, index) => {
            const known = byHash.get(hash);
            if (known) {
                known.hits = (0, model_1.saturate)(known.hits + source.hits[index]);
                if (known.line === 0)
                    known.line = source.lines[index];
            }
            else {
                byHash.set(hash, { line: source.lines[index], hits: source.hits[index] });
            }
        });
    }
    const hashes = new Uint32Array(byHash.size);
    const lines = new Uint32Array(byHash.size);
    const hits = new Uint32Array(byHash.size);
    let i = 0;
    for (const [hash, value] of byHash) {
        hashes[i] = hash;
        lines[i] = value.line;
        hits[i++] = value.hits;
    }
    return { hashes, lines, hits };
}
/**
 * Adds a record's detail to a packed file in place, when it fits the packed shape: its lines
 * within the bitmap's span, its branches the same (line, slot) pairs in the same order, its
 * functions the same hashes in the same order (or it has none of either). The result is the
 * one unpacking, merging and packing would give, without a new array; false, and nothing
 * changed, when the record does not fit. A report that lists each file more than once (one
 * section per test) merges this way.
 */
function mergeInPlace(packed, lines, branches, functions) {
    const first = packed[0];
    const span = packed[1];
    const count = lines.lines.length;
    if (count > 0 &&
        (span & SPARSE || lines.lines[0] < first || lines.lines[count - 1] - first >= span))
        return false;
    const branchAt = HEADER + lineWords(packed);
    const branchCount = packed[2] === NONE ? 0 : packed[2];
    if (branches) {
        if (packed[2] === NONE || branches.lines.length !== branchCount)
            return false;
        for (let i = 0; i < branchCount; i++) {
            if (packed[branchAt + 2 * i] !== branches.lines[i] ||
                packed[branchAt + 2 * i + 1] >>> 1 !== branches.slots[i])
                return false;
        }
    }
    const functionAt = branchAt + 2 * branchCount;
    if (functions) {
        if (packed[3] === NONE || functions.hashes.length !== packed[3])
            return false;
        for (let i = 0; i < packed[3]; i++)
            if (packed[functionAt + 2 * i] !== functions.hashes[i])
                return false;
    }
    for (let i = 0; i < count; i++) {
        const offset = (lines.lines[i] - first) * 2;
        const word = HEADER + (offset >>> 5);
        const shift = offset & 31;
        if (((packed[word] >>> shift) & 1) === 0)
            packed[4]++;
        packed[word] = (packed[word] | ((1 | ((lines.hits[i] > 0 ? 1 : 0) << 1)) << shift)) >>> 0;
    }
    if (branches) {
        for (let i = 0; i < branchCount; i++)
            if (branches.hits[i] > 0)
                packed[branchAt + 2 * i + 1] |= 1;
    }
    if (functions) {
        for (let i = 0; i < packed[3]; i++) {
            const at = functionAt + 2 * i;
            // A function whose line was unknown (0) takes the record's, as mergeFunctions does.
            if (packed[at + 1] >>> 1 === 0 && functions.lines[i] !== 0)
                packed[at + 1] = ((functions.lines[i] << 1) | (packed[at + 1] & 1)) >>> 0;
            if (functions.hits[i] > 0)
                packed[at + 1] |= 1;
        }
    }
    return true;
}
/** How many lines, branches and functions a packed file measures, and how many are covered. */
function packedCounts(packed) {
    const words = lineWords(packed);
    let covered = 0;
    for (let i = HEADER; i < HEADER + words; i++) {
        // Sparse: one line a word, bit 0 its cover; bitmap: bit 1 of each pair.
        covered += packed[1] & SPARSE ? packed[i] & 1 : bitCount(packed[i] & 0xaaaaaaaa);
    }
    const branchCount = packed[2] === NONE ? 0 : packed[2];
    const flags = (at, count) => {
        let done = 0;
        for (let i = 0; i < count; i++)
            done += packed[at + 2 * i + 1] & 1;
        return { covered: done, total: count };
    };
    return {
        lines: packed[4] > 0 ? { covered, total: packed[4] } : undefined,
        branches: packed[2] === NONE ? undefined : flags(HEADER + words, branchCount),
        functions: packed[3] === NONE ? undefined : flags(HEADER + words + 2 * branchCount, packed[3]),
    };
}
function bitCount(word) {
    let value = word - ((word >>> 1) & 0x55555555);
    value = (value & 0x33333333) + ((value >>> 2) & 0x33333333);
    return (Math.imul((value + (value >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}


/***/ }),

/***/ 160:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.PathMapper = void 0;
exports.goModulePath = goModulePath;
exports.parsePrefixRules = parsePrefixRules;
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const DRIVE = /^[A-Za-z]:\//;
const UNTIDY = /\/\/|(?:^|\/)\.{1,2}(?:\/|$)/;
function normalizeSlashes(text) {
    return text.replace(/\\/g, '/');
}
function isAbsolute(text) {
    return text.startsWith('/') || DRIVE.test(text);
}
function join(root, relative) {
    return `${root.replace(/\/+$/, '')}/${relative}`;
}
/** Removes `.` and `..` segments and doubled slashes, keeping a leading `/` or drive. */
function tidy(text) {
    const drive = DRIVE.exec(text)?.[0] ?? '';
    const rest = text.slice(drive.length);
    // Most paths hold no `.`, `..` or `//`: they are left as they are, without a copy.
    const normalized = rest === '' ? '.' : UNTIDY.test(rest) ? node_path_1.default.posix.normalize(rest) : rest;
    return drive + (normalized === '.' ? '' : normalized.replace(/^\.\//, ''));
}
class PathMapper {
    options;
    files;
    byName = new Map();
    workspace;
    /** The length of the longest workspace path: no longer tail can name a workspace file. */
    longest = 0;
    constructor(options) {
        this.options = options;
        this.files = new Set(options.workspaceFiles);
        for (const file of options.workspaceFiles) {
            this.longest = Math.max(this.longest, file.length);
            const name = file.slice(file.lastIndexOf('/') + 1);
            const list = this.byName.get(name);
            if (list)
                list.push(file);
            else
                this.byName.set(name, [file]);
        }
        this.workspace = tidy(normalizeSlashes(options.workspace)).replace(/\/+$/, '');
    }
    map(reportPath, roots) {
        let text = tidy(normalizeSlashes(reportPath.trim()));
        for (const rule of this.options.prefixes) {
            if (text.startsWith(rule.from)) {
                text = tidy(rule.to + text.slice(rule.from.length));
                break;
            }
        }
        const candidates = roots && roots.length > 0 && !isAbsolute(text)
            ? [...roots.map((root) => tidy(join(normalizeSlashes(root), text))), text]
            : [text];
        for (const candidate of candidates) {
            const found = this.find(candidate);
            if (found !== undefined)
                return { path: found, matched: true };
        }
        return { path: this.relative(candidates[0]), matched: false };
    }
    /** Strips the workspace from an absolute path inside it. */
    relative(text) {
        if (text.startsWith(`${this.workspace}/`))
            return text.slice(this.workspace.length + 1);
        return text;
    }
    find(candidate) {
        const text = this.relative(candidate);
        if (this.files.has(text))
            return text;
        if (!isAbsolute(text)) {
            for (const { module, dir } of this.options.goModules) {
                if (text.startsWith(`${module}/`)) {
                    const local = dir === '' ? text.slice(module.length + 1) : join(dir, text.slice(module.length + 1));
                    if (this.files.has(local))
                        return local;
                }
            }
            for (const root of this.options.sourceRoots) {
                const local = tidy(join(root, text));
                if (this.files.has(local))
                    return local;
            }
        }
        // A path from another machine or a container: its longest tail that is a workspace path.
        const tail = longestTailIn(text, this.files, this.longest);
        if (tail !== undefined)
            return tail;
        // A path missing its leading folders (Java packages, Cobertura without sources): the one
        // workspace file that ends with it, when exactly one does.
        if (!isAbsolute(text) && text !== '') {
            const name = text.slice(text.lastIndexOf('/') + 1);
            const endings = (this.byName.get(name) ?? []).filter((file) => file.endsWith(`/${text}`));
            if (endings.length === 1)
                return endings[0];
        }
        return undefined;
    }
}
exports.PathMapper = PathMapper;
/**
 * The longest tail of `text` (its last segments, the first segment always left out) that is a
 * workspace file. Tails are tried from the end, and only while no longer than the longest
 * workspace path: the work per report path is bounded by the workspace, not by the path's
 * length (a path of 40,000 segments would otherwise cost 40,000 copies of itself).
 */
function longestTailIn(text, files, longest) {
    // `text` is tidy: one slash at most at either end.
    let bare = text.replace(DRIVE, '');
    if (bare.startsWith('/'))
        bare = bare.slice(1);
    if (bare.endsWith('/'))
        bare = bare.slice(0, -1);
    let found;
    for (let slash = bare.lastIndexOf('/'); slash > 0; slash = bare.lastIndexOf('/', slash - 1)) {
        if (bare.length - slash - 1 > longest)
            break;
        const tail = bare.slice(slash + 1);
        if (tail !== '' && files.has(tail))
            found = tail;
    }
    return found;
}
/** `module example.com/x` from the text of a go.mod file. */
function goModulePath(goMod) {
    return /^\s*module\s+"?([^\s"]+)"?\s*$/m.exec(goMod)?.[1];
}
/** Lines of the `path-prefix` input: `FROM` (removed) or `FROM=TO` (replaced). */
function parsePrefixRules(lines) {
    return lines.map((line) => {
        const equals = line.indexOf('=');
        const from = normalizeSlashes(equals < 0 ? line : line.slice(0, equals)).trim();
        const to = equals < 0 ? '' : normalizeSlashes(line.slice(equals + 1)).trim();
        // `/srv/checkout/=src` means src/ as well: the slash the prefix took is put back.
        return { from, to: to !== '' && from.endsWith('/') && !to.endsWith('/') ? `${to}/` : to };
    });
}


/***/ }),

/***/ 2571:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parsePercent = parsePercent;
exports.readPrintedPercent = readPrintedPercent;
exports.exactOfRatio = exactOfRatio;
exports.exactOfPercent = exactOfPercent;
exports.compareExact = compareExact;
exports.subtractExact = subtractExact;
exports.compareRatios = compareRatios;
exports.formatExact = formatExact;
exports.formatRatio = formatRatio;
exports.formatPercent = formatPercent;
const errors_1 = __nccwpck_require__(9223);
const PERCENT = /^(\d{1,3})(?:\.(\d{1,6}))?\s*%?$/;
function parsePercent(input, raw) {
    const text = raw.trim();
    const match = PERCENT.exec(text);
    const value = match ? Number(text.replace('%', '')) : NaN;
    if (!match || value > 100) {
        throw new errors_1.ConfigurationError(input, `'${raw}' is not a percentage. Write a number from 0 to 100, e.g. 80 or 82.5.`);
    }
    return decimal(match[1], match[2] ?? '', text);
}
/** A percentage a tool printed (`79%`, `79.96%`); undefined when it is not one. */
function readPrintedPercent(text) {
    const match = PERCENT.exec(text.trim());
    if (!match || Number(text.trim().replace('%', '')) > 100)
        return undefined;
    return decimal(match[1], match[2] ?? '', text.trim());
}
function decimal(whole, fraction, text) {
    return { digits: BigInt(whole + fraction), scale: fraction.length, text };
}
function exactOfRatio(ratio) {
    return { num: BigInt(ratio.covered) * 100n, den: BigInt(ratio.total) };
}
function exactOfPercent(percent) {
    return { num: percent.digits, den: 10n ** BigInt(percent.scale) };
}
/** Sign of a - b: -1, 0 or 1, computed on integers only. */
function compareExact(a, b) {
    const left = a.num * b.den;
    const right = b.num * a.den;
    return left < right ? -1 : left > right ? 1 : 0;
}
function subtractExact(a, b) {
    return { num: a.num * b.den - b.num * a.den, den: a.den * b.den };
}
/**
 * Orders two ratios by their value, exactly, without allocating: the cross products stay
 * below 2^53 for any count a report can hold (under 2^26 lines).
 */
function compareRatios(a, b) {
    return a.covered * b.total - b.covered * a.total;
}
/**
 * An exact percentage with `decimals` places, rounded down by default; a drop that fails a gate
 * is rounded up, so that the figure shown never meets the limit it broke.
 */
function formatExact(value, decimals = 2, rounding = 'down') {
    const num = value.den < 0n ? -value.num : value.num;
    const den = value.den < 0n ? -value.den : value.den;
    const scaled = num * 10n ** BigInt(decimals);
    let quotient = scaled / den;
    const exact = quotient * den === scaled;
    // BigInt division truncates toward zero; move to the side asked for.
    if (!exact && rounding === 'down' && scaled < 0n)
        quotient -= 1n;
    if (!exact && rounding === 'up' && scaled > 0n)
        quotient += 1n;
    const text = formatScaled(quotient < 0n ? -quotient : quotient, decimals);
    return quotient < 0n ? `-${text}` : text;
}
/**
 * A ratio as a percentage with `decimals` places, rounded down: a figure shown for a failing
 * gate can then never read as high as the threshold it missed (79.996 shows as 79.99, not 80.00).
 */
function formatRatio(ratio, decimals = 2) {
    if (ratio.total === 0)
        return '';
    return formatExact(exactOfRatio(ratio), decimals);
}
/** A percentage shown with at least `decimals` places (more when it was written with more). */
function formatPercent(percent, decimals = 2) {
    if (percent.scale >= decimals)
        return formatScaled(percent.digits, percent.scale);
    return formatScaled(percent.digits * 10n ** BigInt(decimals - percent.scale), decimals);
}
function formatScaled(value, decimals) {
    if (decimals === 0)
        return value.toString();
    const text = value.toString().padStart(decimals + 1, '0');
    return `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
}


/***/ }),

/***/ 6082:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.postCommentFile = postCommentFile;
const node_fs_1 = __nccwpck_require__(3024);
const errors_1 = __nccwpck_require__(9223);
const outside_text_1 = __nccwpck_require__(6725);
const comment_file_1 = __nccwpck_require__(2542);
const github_client_1 = __nccwpck_require__(6599);
const sticky_comment_1 = __nccwpck_require__(6383);
async function postCommentFile(request, access, ctx, log) {
    const headSha = ctx.event.workflow_run?.head_sha;
    if (typeof headSha !== 'string' || !/^[0-9a-f]{40,64}$/.test(headSha)) {
        throw new errors_1.ActionFailure('The workflow_run event names no head commit (workflow_run.head_sha): nothing posted.');
    }
    const name = (0, outside_text_1.inertInline)(request.file);
    if (!(0, node_fs_1.existsSync)(request.file)) {
        throw new errors_1.ActionFailure(`No comment file at ${name}: download the artifact the pull request's workflow uploaded (actions/download-artifact with run-id: \${{ github.event.workflow_run.id }}) before this step. Nothing posted.`);
    }
    const { pullRequest, body } = (0, comment_file_1.parseCommentFile)((0, node_fs_1.readFileSync)(request.file, 'utf8'), name);
    const marker = (0, sticky_comment_1.commentMarker)(request.workflow, request.job, request.commentId);
    try {
        const api = await (0, github_client_1.connectGitHub)(access, ctx.clock);
        const pull = await api.pullRequest(pullRequest);
        if (pull.state !== 'open') {
            throw new errors_1.ActionFailure(`Pull request #${pullRequest} named by ${name} is ${(0, outside_text_1.inertInline)(pull.state)}, not open: nothing posted.`);
        }
        if (pull.headSha !== headSha) {
            throw new errors_1.ActionFailure(`Pull request #${pullRequest} named by ${name} is at ${(0, outside_text_1.inertInline)(pull.headSha)}, not at the workflow run's head commit ${headSha}: the file is not this pull request's, or the pull request has moved on. Nothing posted.`);
        }
        const result = await (0, sticky_comment_1.upsertComment)(api, { pullRequest, marker, text: (0, comment_file_1.forwardedText)(body, marker), createNew: true }, log);
        log.info(`Pull request #${pullRequest} comment ${result.action}${result.url ? `: ${result.url}` : ''}.`);
    }
    catch (error) {
        if (error instanceof errors_1.ActionFailure)
            throw error;
        throw new errors_1.ActionFailure(`Could not post the comment: ${(0, errors_1.errorMessage)(error)}`);
    }
}


/***/ }),

/***/ 6593:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.writeOutputs = writeOutputs;
exports.writeFiles = writeFiles;
exports.writeJobSummary = writeJobSummary;
exports.writeAnnotations = writeAnnotations;
exports.writeComment = writeComment;
exports.writeCommentFile = writeCommentFile;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const outside_text_1 = __nccwpck_require__(6725);
const comment_file_1 = __nccwpck_require__(2542);
const github_client_1 = __nccwpck_require__(6599);
const sticky_comment_1 = __nccwpck_require__(6383);
const summary_file_1 = __nccwpck_require__(2005);
// The writers that publish a verdict, each to one place.
function writeOutputs(runner, verdict) {
    for (const [name, value] of Object.entries(verdict.outputs))
        runner.setOutput(name, value);
}
/** The summary file and the badge, each output set once its file is written. */
function writeFiles(runner, verdict) {
    const { path: file, commit } = verdict.summaryFile;
    (0, node_fs_1.mkdirSync)(node_path_1.default.dirname(file), { recursive: true });
    const fd = (0, node_fs_1.openSync)(file, 'w');
    try {
        const { totals, headline, diff, passed } = verdict.report;
        (0, summary_file_1.writeSummary)((text) => (0, node_fs_1.writeSync)(fd, text), totals, headline, diff?.ratio, passed, commit);
    }
    finally {
        (0, node_fs_1.closeSync)(fd);
    }
    runner.setOutput('summary-file', file);
    if (verdict.badge) {
        (0, node_fs_1.mkdirSync)(node_path_1.default.dirname(verdict.badge.path), { recursive: true });
        (0, node_fs_1.writeFileSync)(verdict.badge.path, verdict.badge.svg);
    }
    runner.setOutput('badge', verdict.badge?.path ?? '');
}
async function writeJobSummary(summary, verdict) {
    await summary.addRaw(verdict.jobSummary).write();
}
function writeAnnotations(runner, log, verdict) {
    for (const annotation of verdict.annotations) {
        runner.annotate('warning', annotation.message, annotation);
    }
    if (verdict.omitted)
        log[verdict.omitted.level](verdict.omitted.text);
}
/** Writes the pull request comment; a failure is a warning, never the gate's verdict. */
async function writeComment(verdict, access, ports, log) {
    const plan = verdict.comment;
    if (plan.kind === 'off')
        return;
    if (plan.kind === 'not-a-pull-request') {
        log.info('Not a pull request: no comment written.');
        return;
    }
    try {
        const api = await (0, github_client_1.connectGitHub)(access, ports.clock);
        const result = await (0, sticky_comment_1.upsertComment)(api, plan, log);
        if (result.action !== 'skipped')
            log.info(`Pull request comment ${result.action}${result.url ? `: ${result.url}` : ''}.`);
    }
    catch (error) {
        if (error instanceof github_client_1.GitHubApiError && error.status === 403) {
            log.warning(`Could not write the pull request comment: ${error.message}. Pull requests from forks get a read-only token: write the comment with comment: file and post it from a workflow_run workflow with comment-from (see the README), or give the job permissions: pull-requests: write.`);
        }
        else {
            log.warning(`Could not write the pull request comment: ${(0, errors_1.errorMessage)(error)}`);
        }
    }
}
/**
 * comment: file: the comment as JSON, for a workflow_run workflow to post (the comment-file
 * output set once it is written). Not on a pull request, no file is written.
 */
function writeCommentFile(runner, verdict, file, headSha, log) {
    const plan = verdict.comment;
    if (plan.kind !== 'write' || !headSha) {
        log.info('Not a pull request: no comment file written.');
        runner.setOutput('comment-file', '');
        return;
    }
    (0, node_fs_1.mkdirSync)(node_path_1.default.dirname(file), { recursive: true });
    (0, node_fs_1.writeFileSync)(file, (0, comment_file_1.commentFileText)({
        marker: plan.marker,
        pull_request: plan.pullRequest,
        head_sha: headSha,
        body: plan.text,
    }));
    runner.setOutput('comment-file', file);
    log.info(`Comment for pull request #${plan.pullRequest} written to ${(0, outside_text_1.inertInline)(file)}.`);
}


/***/ }),

/***/ 4834:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.readReports = readReports;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const coverage_set_1 = __nccwpck_require__(1347);
const exclude_1 = __nccwpck_require__(8824);
const glob_1 = __nccwpck_require__(9602);
const path_mapping_1 = __nccwpck_require__(160);
const formats_1 = __nccwpck_require__(7394);
const report_error_1 = __nccwpck_require__(1885);
const MAX_LISTED_UNMATCHED = 10;
async function readReports(reports, options, log) {
    const mapper = mapperFor(options);
    const excluded = (0, exclude_1.excludeMatcher)(options.exclude);
    const set = new coverage_set_1.CoverageSet();
    const infos = [];
    const unmatched = { count: 0, first: new Set() };
    for (const report of reports) {
        const info = await readReport(report, set, mapper, excluded, unmatched);
        infos.push(info);
        log.info(`Read ${report.name} (${formats_1.FORMAT_NAMES[report.format]}).`);
        for (const notice of info.notices ?? [])
            log.notice(`${report.name}: ${notice}.`);
    }
    if (unmatched.count > 0) {
        const listed = [...unmatched.first];
        log.warning(`${unmatched.count} path${unmatched.count === 1 ? '' : 's'} in the reports match no file in the workspace: ` +
            `${listed.join(', ')}${unmatched.count > listed.length ? `, and ${unmatched.count - listed.length} more` : ''}. ` +
            'Their coverage still counts, but changed lines and annotations cannot reach them. Make the reports in this checkout, or map their paths with path-prefix or source-roots.');
    }
    return { set, infos };
}
function mapperFor(options) {
    const workspaceFiles = (0, glob_1.walkFiles)(options.workspace);
    return new path_mapping_1.PathMapper({
        workspace: options.workspace,
        workspaceFiles,
        prefixes: options.prefixes,
        sourceRoots: options.sourceRoots,
        goModules: goModules(options.workspace, workspaceFiles),
    });
}
function goModules(workspace, files) {
    return files
        .filter((file) => file === 'go.mod' || file.endsWith('/go.mod'))
        .flatMap((file) => {
        const module = (0, path_mapping_1.goModulePath)((0, node_fs_1.readFileSync)(node_path_1.default.join(workspace, file), 'utf8'));
        return module
            ? [{ module, dir: node_path_1.default.posix.dirname(file) === '.' ? '' : node_path_1.default.posix.dirname(file) }]
            : [];
    });
}
async function readReport(report, set, mapper, excluded, unmatched) {
    let records = 0;
    const stream = (0, node_fs_1.createReadStream)(report.file, { highWaterMark: 64 * 1024 });
    try {
        const info = await formats_1.PARSERS[report.format](stream, (record) => {
            records++;
            if (record.unnamed) {
                set.add(`\u0000unnamed ${report.name}`, record);
                return;
            }
            const mapped = mapper.map(record.path, record.roots);
            if (excluded(mapped.path))
                return;
            if (!mapped.matched && !set.has(mapped.path)) {
                unmatched.count++;
                if (unmatched.first.size < MAX_LISTED_UNMATCHED)
                    unmatched.first.add(mapped.path);
            }
            set.add(mapped.path, record);
        });
        if (records === 0) {
            throw new errors_1.ActionFailure(`${report.name}: the report is empty (it covers no file). Expected a ${formats_1.FORMAT_NAMES[report.format]} with at least one file in it.`);
        }
        return info;
    }
    catch (error) {
        if (error instanceof report_error_1.ReportError) {
            const what = report.guessed
                ? `not a coverage report this action recognises (expected one of: ${Object.values(formats_1.FORMAT_NAMES).join(', ')}); read as a coverage.py text report: ${error.message}. Set 'format' if it is one of these.`
                : `cannot be read as a ${formats_1.FORMAT_NAMES[report.format]}: ${error.message}`;
            throw new errors_1.ActionFailure(`${report.name}: ${what}`);
        }
        if (error instanceof errors_1.ActionFailure)
            throw error;
        throw new errors_1.ActionFailure(`${report.name}: could not be read (${(0, errors_1.errorMessage)(error)}).`);
    }
    finally {
        stream.destroy();
    }
}


/***/ }),

/***/ 4874:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.fitsSummary = exports.COMMENT_LISTS = exports.REPORT_HEADING = exports.COMMENT_LIMIT_CHARS = void 0;
exports.commentHeading = commentHeading;
exports.renderReport = renderReport;
const markdown_1 = __nccwpck_require__(5701);
const percent_1 = __nccwpck_require__(2571);
const SUMMARY_LIMIT_BYTES = 1024 * 1024;
exports.COMMENT_LIMIT_CHARS = 65_536;
exports.REPORT_HEADING = '### Coverage';
/**
 * Text in a table cell or list item: no pipes or line breaks; HTML, links, autolinks, mentions
 * and references in file names and anything else from a report shown as text (markdown.ts).
 */
const cell = markdown_1.markdownText;
/** The heading of a comment told apart by its comment-id (matrix legs, monorepo packages). */
function commentHeading(commentId) {
    return commentId ? `${exports.REPORT_HEADING} of ${(0, markdown_1.markdownText)(commentId)}` : exports.REPORT_HEADING;
}
function ratioText(ratio) {
    if (!ratio)
        return 'not measured';
    if (ratio.total === 0)
        return 'nothing to measure';
    return `${(0, percent_1.formatRatio)(ratio)}% (${ratio.covered} / ${ratio.total})`;
}
function mark(check) {
    if (!check)
        return '';
    return check.passed ? '✅' : '❌';
}
const SUMMARY_LISTS = { changedFiles: 100, leastCovered: 25, ranges: 100 };
/** A comment is read on every push to the pull request: its lists are shorter. */
exports.COMMENT_LISTS = { changedFiles: 50, leastCovered: 10, ranges: 50 };
function render(model, lists, heading) {
    const out = [];
    const failed = model.checks.filter((check) => !check.passed);
    out.push(`${heading} ${model.passed ? '✅ passed' : '❌ failed'}`, '');
    for (const check of failed)
        out.push(`- ${cell(check.message ?? check.label)}`);
    if (failed.length > 0)
        out.push('');
    const byInput = new Map(model.checks.map((check) => [check.input, check]));
    const rows = [];
    const threshold = (check) => (check ? `≥ ${check.expected}` : '');
    const headlineText = model.headline.value
        ? model.headline.ratio
            ? `${(0, percent_1.formatExact)(model.headline.value)}% (${model.headline.ratio.covered} / ${model.headline.ratio.total})`
            : `${(0, percent_1.formatExact)(model.headline.value)}%`
        : 'nothing to measure';
    rows.push([
        mark(byInput.get('minCoverage')),
        `Coverage (${model.headline.basis})`,
        headlineText,
        threshold(byInput.get('minCoverage')),
    ]);
    rows.push([
        mark(byInput.get('minLine')),
        'Lines',
        ratioText(model.totals.lines),
        threshold(byInput.get('minLine')),
    ]);
    rows.push([
        mark(byInput.get('minBranch')),
        'Branches',
        ratioText(model.totals.branches),
        threshold(byInput.get('minBranch')),
    ]);
    rows.push([
        mark(byInput.get('minFunction')),
        'Functions',
        ratioText(model.totals.functions),
        threshold(byInput.get('minFunction')),
    ]);
    const fileCheck = byInput.get('minFile');
    if (fileCheck) {
        rows.push([
            mark(fileCheck),
            'Every file (lines)',
            fileCheck.actual ? `lowest ${fileCheck.actual}%` : 'all files',
            threshold(fileCheck),
        ]);
    }
    const diffCheck = byInput.get('minDiff');
    if (model.diff || diffCheck) {
        const measured = model.diff && model.diff.ratio.total > 0
            ? ratioText(model.diff.ratio)
            : (model.diffNote ?? 'no changed line measured');
        rows.push([
            mark(diffCheck),
            `Changed lines${model.diffBase ? ` (since ${model.diffBase.slice(0, 12)})` : ''}`,
            measured,
            threshold(diffCheck),
        ]);
    }
    if (model.baseline) {
        const dropCheck = byInput.get('maxDrop');
        const change = model.headline.value
            ? (0, percent_1.subtractExact)(model.headline.value, model.baseline)
            : undefined;
        const changeText = change
            ? `${(0, percent_1.compareExact)(change, { num: 0n, den: 1n }) >= 0 ? '+' : ''}${(0, percent_1.formatExact)(change)} points (baseline ${(0, percent_1.formatExact)(model.baseline)}%)`
            : '';
        rows.push([
            mark(dropCheck),
            'Change from baseline',
            changeText,
            dropCheck ? `drop ≤ ${dropCheck.expected}` : '',
        ]);
    }
    out.push('| | Metric | Measured | Threshold |', '|:-:|---|---|---|');
    for (const row of rows)
        out.push(`| ${row.map(cell).join(' | ')} |`);
    out.push('');
    if (model.diff && model.diff.files.length > 0 && lists.changedFiles > 0) {
        const files = [...model.diff.files].sort((a, b) => a.changed.covered / a.changed.total - b.changed.covered / b.changed.total);
        out.push('<details open><summary>Changed files</summary>', '', '| File | Changed lines covered |', '|---|---|');
        for (const file of files.slice(0, lists.changedFiles))
            out.push(`| ${cell(file.path)} | ${ratioText(file.changed)} |`);
        if (files.length > lists.changedFiles)
            out.push(`| … and ${files.length - lists.changedFiles} more | |`);
        out.push('', '</details>', '');
    }
    if (model.diff && model.diff.uncovered.length > 0 && lists.ranges > 0) {
        out.push('<details><summary>Uncovered changed lines</summary>', '');
        for (const range of model.diff.uncovered.slice(0, lists.ranges)) {
            out.push(`- ${cell(range.path)}: ${range.start === range.end ? range.start : `${range.start}-${range.end}`}`);
        }
        if (model.diff.uncovered.length > lists.ranges)
            out.push(`- … and ${model.diff.uncovered.length - lists.ranges} more`);
        out.push('', '</details>', '');
    }
    const least = leastCovered(model.totals.files, lists.leastCovered);
    if (least.length > 0) {
        out.push('<details><summary>Least covered files</summary>', '', '| File | Lines | Branches | Functions |', '|---|---|---|---|');
        for (const file of least) {
            out.push(`| ${cell(file.path)} | ${ratioText(file.lines)} | ${ratioText(file.branches)} | ${ratioText(file.functions)} |`);
        }
        out.push('', '</details>', '');
    }
    out.push(`<sub>Reports: ${model.reports.map((report) => `${cell(report.name)} (${report.format})`).join(', ')}</sub>`, '');
    return out.join('\n');
}
/** The `count` files least covered, keeping no more than that many while walking them all. */
function leastCovered(files, count) {
    const order = (a, b) => (0, percent_1.compareRatios)(a.lines, b.lines) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    const least = [];
    for (const file of files) {
        if (file.unnamed || file.lines.total === 0 || file.lines.covered >= file.lines.total)
            continue;
        if (least.length === count && (count === 0 || order(file, least[count - 1]) >= 0))
            continue;
        let at = least.length;
        while (at > 0 && order(file, least[at - 1]) < 0)
            at--;
        least.splice(at, 0, file);
        if (least.length > count)
            least.pop();
    }
    return least;
}
/**
 * The report, with its lists shortened until it fits `fits`. Lists shrink before anything
 * else; the table of metrics always stays.
 */
function renderReport(model, heading, fits, lists = SUMMARY_LISTS) {
    let current = { ...lists };
    for (;;) {
        const text = render(model, current, heading);
        if (fits(text))
            return text;
        if (current.changedFiles === 0 && current.leastCovered === 0 && current.ranges === 0) {
            return text.slice(0, 1000) + '\n\n(cut to fit)\n';
        }
        current = {
            changedFiles: Math.floor(current.changedFiles / 2),
            leastCovered: Math.floor(current.leastCovered / 2),
            ranges: Math.floor(current.ranges / 2),
        };
    }
}
const fitsSummary = (text) => Buffer.byteLength(text, 'utf8') < SUMMARY_LIMIT_BYTES - 4096;
exports.fitsSummary = fitsSummary;


/***/ }),

/***/ 5873:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseClover = parseClover;
const model_1 = __nccwpck_require__(9291);
const report_error_1 = __nccwpck_require__(1885);
const text_stream_1 = __nccwpck_require__(3520);
const xml_scanner_1 = __nccwpck_require__(2944);
// Clover XML (OpenClover, PHPUnit, Istanbul): <file path> elements holding <metrics> and one
// <line num count type> per statement, condition or method. Lines come from the stmt and cond
// entries. Branch counts come from each file's <metrics conditionals coveredconditionals>,
// because the producers disagree on what a cond line's truecount/falsecount mean (OpenClover:
// how often the condition was true or false; Istanbul: branches covered and not).
async function parseClover(chunks, emit) {
    const lines = new model_1.LineBuilder();
    const functions = new model_1.FunctionBuilder();
    let rootSeen = false;
    let file;
    let fileMetricsSeen = false;
    let branches;
    let methods;
    let methodLines = 0;
    let files = 0;
    const count = (tag, name) => Number(tag.attr(name) ?? NaN);
    await (0, xml_scanner_1.scanXml)(chunks, {
        open(tag) {
            switch (tag.name) {
                case 'coverage':
                    rootSeen = true;
                    return;
                case 'file': {
                    const path = tag.attr('path') ?? tag.attr('name');
                    if (path === undefined)
                        throw new report_error_1.ReportError('a <file> element has neither path nor name');
                    file = (0, text_stream_1.detach)(path.replace(/\\/g, '/'));
                    fileMetricsSeen = false;
                    branches = undefined;
                    methods = undefined;
                    methodLines = 0;
                    return;
                }
                case 'metrics': {
                    if (file === undefined || fileMetricsSeen)
                        return;
                    fileMetricsSeen = true;
                    const conditionals = count(tag, 'conditionals');
                    const coveredConditionals = count(tag, 'coveredconditionals');
                    if (Number.isInteger(conditionals) && Number.isInteger(coveredConditionals)) {
                        branches = { covered: coveredConditionals, total: conditionals };
                    }
                    const methodCount = count(tag, 'methods');
                    const coveredMethods = count(tag, 'coveredmethods');
                    if (Number.isInteger(methodCount) && Number.isInteger(coveredMethods)) {
                        methods = { covered: coveredMethods, total: methodCount };
                    }
                    return;
                }
                case 'line': {
                    if (file === undefined)
                        return;
                    const number = count(tag, 'num');
                    const hits = count(tag, 'count');
                    if (!Number.isInteger(number))
                        throw new report_error_1.ReportError(`a <line> of ${file} has no num: <${tag.raw}>`);
                    const type = (tag.attr('type') ?? 'stmt').trim().toLowerCase();
                    if (type === 'method') {
                        methodLines++;
                        const name = tag.attr('name') ?? tag.attr('signature') ?? `line ${number}`;
                        functions.declare((0, text_stream_1.detach)(name), number);
                        functions.hit((0, text_stream_1.detach)(name), Number.isNaN(hits) ? 0 : hits);
                    }
                    else {
                        lines.add(number, Number.isNaN(hits) ? 0 : hits);
                    }
                    return;
                }
                default:
                    return;
            }
        },
        close(name) {
            if (name !== 'file' || file === undefined)
                return;
            const detailedFunctions = functions.take();
            emit({
                path: file,
                lines: lines.take(),
                functions: methodLines > 0 ? detailedFunctions : undefined,
                counts: { branches, functions: methodLines > 0 ? undefined : methods },
            });
            files++;
            file = undefined;
        },
    });
    if (!rootSeen)
        throw new report_error_1.ReportError('the root element is not <coverage>: this is not a Clover report');
    if (files === 0)
        throw new report_error_1.ReportError('no <file> elements: the report covers no file');
    return { family: 'other' };
}


/***/ }),

/***/ 3779:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseCobertura = parseCobertura;
const model_1 = __nccwpck_require__(9291);
const report_error_1 = __nccwpck_require__(1885);
const text_stream_1 = __nccwpck_require__(3520);
const xml_scanner_1 = __nccwpck_require__(2944);
// Cobertura XML, as written by coverage.py (`coverage xml`), gcovr, Istanbul, coverlet,
// ReportGenerator and others. File names are relative to one of the <source> folders.
// Only a class's own <lines> count: the <lines> under its <method> elements repeat them.
// Attribute values are read as their writers mean them: coverlet writes `branch="True"`, others
// `true` (or `1`). The root's totals (`lines-valid`, `branches-covered` ...) are a header: the
// <line> elements are the data, and where they disagree the data wins, as lcov follows its DA
// records. Only where no line carries the detail (php-code-coverage, for instance, puts branch
// totals in the header alone) does the header stand in, as counts of the report as a whole.
/** A boolean attribute as the tools write it: `true`, `True`, `TRUE` or `1`. */
function isTrueValue(value) {
    const text = value?.trim().toLowerCase();
    return text === 'true' || text === '1';
}
function headerRatio(tag, covered, valid) {
    const total = Number(tag.attr(valid));
    const done = Number(tag.attr(covered));
    return Number.isInteger(total) && Number.isInteger(done) && total > 0 && done >= 0
        ? { covered: Math.min(done, total), total }
        : undefined;
}
const CONDITION = /\((\d+)\s*\/\s*(\d+)\)/;
async function parseCobertura(chunks, emit) {
    const sources = [];
    const lines = new model_1.LineBuilder();
    const branches = new model_1.BranchBuilder();
    const functions = new model_1.FunctionBuilder();
    let family = 'other';
    let rootSeen = false;
    // A report made with branch measurement on says so at its root; its files without a
    // branch then have zero branches, not unmeasured ones.
    let reportBranches = false;
    let inSource = false;
    let sourceText = '';
    let file;
    let hasBranches = false;
    let hasMethods = false;
    let method;
    let classes = 0;
    let header = {};
    let lineSeen = false;
    let branchSeen = false;
    await (0, xml_scanner_1.scanXml)(chunks, {
        comment(text) {
            if (classes === 0 && file === undefined && /coverage\.py/i.test(text))
                family = 'coverage.py';
        },
        open(tag) {
            switch (tag.name) {
                case 'coverage':
                    if (rootSeen)
                        return;
                    rootSeen = true;
                    reportBranches = Number(tag.attr('branches-valid') ?? 0) > 0;
                    header = {
                        lines: headerRatio(tag, 'lines-covered', 'lines-valid'),
                        branches: headerRatio(tag, 'branches-covered', 'branches-valid'),
                    };
                    return;
                case 'source':
                    inSource = true;
                    sourceText = '';
                    return;
                case 'class': {
                    const filename = tag.attr('filename');
                    if (filename === undefined)
                        throw new report_error_1.ReportError('a <class> element has no filename');
                    file = (0, text_stream_1.detach)(filename.replace(/\\/g, '/'));
                    hasBranches = false;
                    hasMethods = false;
                    return;
                }
                case 'method':
                    if (file === undefined)
                        return;
                    hasMethods = true;
                    method = {
                        key: (0, text_stream_1.detach)(`${tag.attr('name') ?? ''}${tag.attr('signature') ?? ''}`),
                        line: 0,
                        hits: 0,
                    };
                    return;
                case 'line': {
                    if (file === undefined)
                        return;
                    const number = Number(tag.attr('number'));
                    const hits = Number(tag.attr('hits'));
                    if (!Number.isInteger(number) || Number.isNaN(hits)) {
                        throw new report_error_1.ReportError(`a <line> of ${file} has no number or hits: <${tag.raw}>`);
                    }
                    if (method) {
                        if (method.line === 0 || number < method.line)
                            method.line = number;
                        if (hits > method.hits)
                            method.hits = hits;
                        return;
                    }
                    lines.add(number, hits);
                    lineSeen = true;
                    if (isTrueValue(tag.attr('branch'))) {
                        const condition = CONDITION.exec(tag.attr('condition-coverage') ?? '');
                        if (condition) {
                            hasBranches = true;
                            branchSeen = true;
                            const covered = Number(condition[1]);
                            const total = Number(condition[2]);
                            // Cobertura says how many of a line's branches ran, not which: the first ones stand in.
                            for (let slot = 0; slot < total; slot++)
                                branches.add(number, slot < covered ? 1 : 0);
                        }
                    }
                    return;
                }
                default:
                    return;
            }
        },
        text(text) {
            if (inSource)
                sourceText += text;
        },
        close(name) {
            switch (name) {
                case 'source':
                    inSource = false;
                    if (sourceText.trim() !== '')
                        sources.push((0, text_stream_1.detach)(sourceText.trim().replace(/\\/g, '/')));
                    return;
                case 'method':
                    if (method) {
                        functions.declare(method.key, method.line);
                        functions.hit(method.key, method.hits);
                    }
                    method = undefined;
                    return;
                case 'class':
                    if (file === undefined)
                        return;
                    classes++;
                    emit({
                        path: file,
                        roots: sources,
                        lines: lines.take(),
                        branches: (0, model_1.takeIf)(hasBranches || reportBranches, branches),
                        functions: (0, model_1.takeIf)(hasMethods, functions),
                    });
                    file = undefined;
                    return;
                default:
                    return;
            }
        },
    });
    if (!rootSeen)
        throw new report_error_1.ReportError('the root element is not <coverage>: this is not a Cobertura report');
    if (classes === 0)
        throw new report_error_1.ReportError('no <class> elements: the report covers no file');
    const fromHeader = [];
    if (!lineSeen && header.lines)
        fromHeader.push('lines');
    if (!branchSeen && header.branches)
        fromHeader.push('branches');
    if (fromHeader.length === 0)
        return { family };
    const counts = {
        lines: lineSeen ? undefined : header.lines,
        branches: branchSeen ? undefined : header.branches,
    };
    emit({ path: '', lines: model_1.EMPTY_LINES, counts, unnamed: true });
    return {
        family,
        notices: [
            `no <line> carries the ${fromHeader.join(' or ')} detail, so the totals in the root <coverage> element (${fromHeader
                .map((metric) => `${header[metric].covered} of ${header[metric].total} ${metric}`)
                .join(', ')}) are used for the report as a whole`,
        ],
    };
}


/***/ }),

/***/ 6054:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseCoveragePyText = parseCoveragePyText;
const model_1 = __nccwpck_require__(9291);
const report_error_1 = __nccwpck_require__(1885);
const text_stream_1 = __nccwpck_require__(3520);
// coverage.py's text report (`coverage report`, pytest-cov's terminal report), alone or amid
// other output (`pytest -v --cov=. > cov-report.txt`). Stmts and Miss give exact line counts.
// With branch columns, Branch is the number of branches but BrPart counts partial lines, not
// missed branches, so the exact total cannot be rebuilt: the TOTAL figure printed is kept.
// The last table in the text is the one read. The markdown form of coverage 7 is read too.
const HEADER = /^Name\s+Stmts\s+Miss(\s+Branch\s+BrPart)?\s+Cover\b/;
const ROW = /^(.+?)\s+(\d+)\s+(\d+)(?:\s+(\d+)\s+(\d+))?\s+(\d{1,3}(?:\.\d+)?%)(?:\s+.*)?$/;
/** A markdown table row turned into the plain layout: `| **a** | 1 |` -> `a 1`. */
function plain(line) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('|'))
        return line;
    return trimmed
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((cell) => cell.trim().replace(/^\*\*(.*)\*\*$/, '$1'))
        .join('  ');
}
async function parseCoveragePyText(chunks, emit) {
    let table;
    let last;
    await (0, text_stream_1.forEachLine)(chunks, (raw) => {
        const line = plain(raw);
        const header = HEADER.exec(line);
        if (header) {
            table = { branchColumns: header[1] !== undefined, rows: [] };
            return;
        }
        if (!table)
            return;
        const trimmed = line.trim();
        if (/^[-|: ]+$/.test(trimmed) && trimmed.includes('-'))
            return;
        const row = ROW.exec(line);
        if (!row || table.branchColumns !== (row[4] !== undefined)) {
            // Anything else ends the table: output after it, or a table of another kind.
            if (table.rows.length > 0)
                last = table;
            table = undefined;
            return;
        }
        const parsed = {
            name: row[1].trim(),
            statements: Number(row[2]),
            missed: Number(row[3]),
            branches: row[4] === undefined ? undefined : Number(row[4]),
            cover: row[6],
        };
        if (parsed.name === 'TOTAL') {
            table.total = parsed;
            last = table;
            table = undefined;
        }
        else {
            table.rows.push(parsed);
        }
    });
    if (table && table.rows.length > 0)
        last = table;
    if (!last) {
        throw new report_error_1.ReportError("no coverage.py table (a 'Name  Stmts  Miss ... Cover' header followed by rows) was found");
    }
    for (const row of last.rows) {
        emit({
            path: row.name.replace(/\\/g, '/'),
            lines: model_1.EMPTY_LINES,
            counts: { lines: { covered: row.statements - row.missed, total: row.statements } },
        });
    }
    const total = last.total ?? (last.rows.length === 1 ? last.rows[0] : undefined);
    if (!total)
        throw new report_error_1.ReportError('the coverage.py table has no TOTAL row');
    // Files left out of the table (skip_covered, skip_empty) are still in TOTAL.
    const listedStatements = last.rows.reduce((sum, row) => sum + row.statements, 0);
    const listedMissed = last.rows.reduce((sum, row) => sum + row.missed, 0);
    const unlistedStatements = total.statements - listedStatements;
    if (unlistedStatements > 0) {
        emit({
            path: '',
            unnamed: true,
            lines: model_1.EMPTY_LINES,
            counts: {
                lines: {
                    covered: unlistedStatements - (total.missed - listedMissed),
                    total: unlistedStatements,
                },
            },
        });
    }
    return last.branchColumns
        ? { family: 'coverage.py', printedTotal: total.cover, inexactBranches: true }
        : { family: 'coverage.py', printedTotal: total.cover };
}


/***/ }),

/***/ 7394:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RICHNESS = exports.FORMAT_NAMES = exports.PARSERS = exports.FORMATS = void 0;
exports.detectFormat = detectFormat;
const clover_1 = __nccwpck_require__(5873);
const cobertura_1 = __nccwpck_require__(3779);
const coverage_py_text_1 = __nccwpck_require__(6054);
const go_profile_1 = __nccwpck_require__(318);
const jacoco_1 = __nccwpck_require__(2817);
const json_reports_1 = __nccwpck_require__(744);
const lcov_1 = __nccwpck_require__(8248);
exports.FORMATS = [
    'lcov',
    'cobertura',
    'jacoco',
    'clover',
    'go',
    'coverage-py-text',
    'coverage-py-json',
    'istanbul-final',
    'istanbul-summary',
];
exports.PARSERS = {
    lcov: lcov_1.parseLcov,
    cobertura: cobertura_1.parseCobertura,
    jacoco: jacoco_1.parseJacoco,
    clover: clover_1.parseClover,
    go: go_profile_1.parseGoProfile,
    'coverage-py-text': coverage_py_text_1.parseCoveragePyText,
    'coverage-py-json': json_reports_1.parseCoveragePyJson,
    'istanbul-final': json_reports_1.parseIstanbulFinal,
    'istanbul-summary': json_reports_1.parseIstanbulSummary,
};
exports.FORMAT_NAMES = {
    lcov: 'lcov tracefile',
    cobertura: 'Cobertura XML',
    jacoco: 'JaCoCo XML',
    clover: 'Clover XML',
    go: 'Go cover profile',
    'coverage-py-text': 'coverage.py text report',
    'coverage-py-json': 'coverage.py JSON report',
    'istanbul-final': "Istanbul's coverage-final.json",
    'istanbul-summary': "Istanbul's coverage-summary.json",
};
/**
 * When one folder holds several reports of one run (coverage/lcov.info beside
 * coverage/coverage-final.json), discovery keeps the one that says most: line, branch and
 * function detail first, counts without line numbers last.
 */
exports.RICHNESS = [
    'istanbul-final',
    'lcov',
    'jacoco',
    'coverage-py-json',
    'cobertura',
    'clover',
    'go',
    'istanbul-summary',
    'coverage-py-text',
];
/** Tells a report's format from its first bytes; undefined for binary or empty files. */
function detectFormat(head) {
    const text = head.replace(/^\uFEFF/, '').trimStart();
    if (text === '' || text.includes('\u0000'))
        return undefined;
    const found = (format) => ({ format, guessed: false });
    if (text.startsWith('<')) {
        const root = /<([A-Za-z_][\w:.-]*)/.exec(text.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![^>]*>/g, ''));
        if (root?.[1] === 'report')
            return found('jacoco');
        if (root?.[1] === 'coverage') {
            const rootTag = /<coverage\b[^>]*>/.exec(text)?.[0] ?? '';
            if (/\bclover=|\bgenerated=/.test(rootTag) && !/\bline-rate=/.test(rootTag))
                return found('clover');
            return found('cobertura');
        }
    }
    if (text.startsWith('{')) {
        if (/^\{\s*"meta"\s*:/.test(text) ||
            (/"files"\s*:\s*\{/.test(text) && /"executed_lines"/.test(text))) {
            return found('coverage-py-json');
        }
        if (/^\{\s*"total"\s*:\s*\{\s*"lines"/.test(text) || /"lines"\s*:\s*\{\s*"total"/.test(text)) {
            return found('istanbul-summary');
        }
        if (/"(statementMap|fnMap|branchMap)"\s*:/.test(text))
            return found('istanbul-final');
    }
    const firstLine = text.slice(0, text.indexOf('\n') >>> 0).trim();
    if (/^mode:\s*(set|count|atomic)$/.test(firstLine))
        return found('go');
    if (/^(TN|SF|VER):/.test(firstLine))
        return found('lcov');
    if (/^Name\s+Stmts\s+Miss\b/m.test(text) || /^\|\s*Name\s*\|\s*Stmts\s*\|/m.test(text)) {
        return found('coverage-py-text');
    }
    return text.startsWith('<') || text.startsWith('{')
        ? undefined
        : { format: 'coverage-py-text', guessed: true };
}


/***/ }),

/***/ 318:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseGoProfile = parseGoProfile;
const model_1 = __nccwpck_require__(9291);
const report_error_1 = __nccwpck_require__(1885);
const text_stream_1 = __nccwpck_require__(3520);
// Go cover profiles (`go test -coverprofile`): a `mode: set|count|atomic` line, then one line
// per block, `file.go:startLine.startCol,endLine.endCol statements count`. With -coverpkg or
// concatenated profiles a block appears several times: in set mode it ran if any copy ran,
// in count and atomic modes the counts add up. Go's own total (`go tool cover -func`) counts
// statements, so blocks are kept with their statement counts; a line's hits are those of the
// busiest block on it.
const BLOCK = /^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)$/;
async function parseGoProfile(chunks, emit) {
    const files = new Map();
    let mode;
    let lineNumber = 0;
    await (0, text_stream_1.forEachLine)(chunks, (line) => {
        lineNumber++;
        if (line.trim() === '')
            return;
        if (line.startsWith('mode:')) {
            const value = line.slice(5).trim();
            if (!['set', 'count', 'atomic'].includes(value)) {
                throw new report_error_1.ReportError(`line ${lineNumber}: unknown mode '${value}' (expected set, count or atomic)`);
            }
            if (mode !== undefined && mode !== value) {
                throw new report_error_1.ReportError(`line ${lineNumber}: mode ${value} after mode ${mode}; profiles of different modes cannot be merged`);
            }
            mode = value;
            return;
        }
        if (mode === undefined)
            throw new report_error_1.ReportError(`line ${lineNumber}: a block before the mode line: this is not a Go cover profile`);
        const match = BLOCK.exec(line);
        if (!match)
            throw new report_error_1.ReportError(`line ${lineNumber}: '${line}' is not file:line.col,line.col statements count`);
        const [, file, startLine, startCol, endLine, endCol, statements, count] = match;
        let blocks = files.get(file);
        if (!blocks)
            files.set((0, text_stream_1.detach)(file), (blocks = new Map()));
        const key = (0, text_stream_1.detach)(`${startLine}.${startCol},${endLine}.${endCol}`);
        const hits = Number(count);
        const known = blocks.get(key);
        if (!known)
            blocks.set(key, { statements: Number(statements), hits: (0, model_1.saturate)(hits) });
        else
            known.hits = mode === 'set' ? Math.max(known.hits, hits) : (0, model_1.saturate)(known.hits + hits);
    });
    if (mode === undefined)
        throw new report_error_1.ReportError('no mode line: this is not a Go cover profile, or it is empty');
    const lines = new model_1.LineBuilder();
    for (const [file, blocks] of files) {
        const busiest = new Map();
        for (const [key, block] of blocks) {
            if (block.statements === 0)
                continue;
            const [start, end] = key.split(',').map((position) => Number(position.split('.')[0]));
            for (let line = start; line <= end; line++) {
                busiest.set(line, Math.max(busiest.get(line) ?? 0, block.hits));
            }
        }
        for (const [line, hits] of busiest)
            lines.add(line, hits);
        emit({ path: file.replace(/\\/g, '/'), lines: lines.take(), statements: blocks });
    }
    return { family: 'go' };
}


/***/ }),

/***/ 2817:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseJacoco = parseJacoco;
const model_1 = __nccwpck_require__(9291);
const report_error_1 = __nccwpck_require__(1885);
const text_stream_1 = __nccwpck_require__(3520);
const xml_scanner_1 = __nccwpck_require__(2944);
// JaCoCo's XML report: <package name="com/acme"> holds <class> elements with their <method>s
// (each with a METHOD counter) and then <sourcefile> elements with one <line nr mi ci mb cb>
// per line. A line is covered when any of its instructions ran (ci > 0), as JaCoCo's LINE
// counter counts it. Paths are the package's folder and the file name (com/acme/Calc.java),
// which the path mapping finds under the source folders. A method is known by its class, name
// and descriptor: the classes of one source file (a nested or anonymous class, a second
// top-level class) each have their own <init>()V, and JaCoCo's METHOD counter counts each.
async function parseJacoco(chunks, emit) {
    const lines = new model_1.LineBuilder();
    const branches = new model_1.BranchBuilder();
    let rootSeen = false;
    let packageName = '';
    // Methods are listed under classes, before the source files those classes come from.
    let methodsByFile = new Map();
    let classFile;
    let className = '';
    let method;
    let sourceFile;
    let files = 0;
    await (0, xml_scanner_1.scanXml)(chunks, {
        open(tag) {
            switch (tag.name) {
                case 'report':
                    rootSeen = true;
                    return;
                case 'package':
                    packageName = (0, text_stream_1.detach)((tag.attr('name') ?? '').replace(/\\/g, '/'));
                    methodsByFile = new Map();
                    return;
                case 'class':
                    classFile = tag.attr('sourcefilename');
                    if (classFile !== undefined)
                        classFile = (0, text_stream_1.detach)(classFile);
                    // com/acme/Invoice$Line: the name after the package is unique in its source file.
                    className = (0, text_stream_1.detach)((tag.attr('name') ?? '').replace(/^.*[/\\]/, ''));
                    return;
                case 'method':
                    if (classFile === undefined)
                        return;
                    method = {
                        key: (0, text_stream_1.detach)(`${className}.${tag.attr('name') ?? ''}${tag.attr('desc') ?? ''}`),
                        line: Number(tag.attr('line') ?? 0) || 0,
                        covered: undefined,
                    };
                    return;
                case 'counter':
                    if (method && tag.attr('type')?.trim().toUpperCase() === 'METHOD') {
                        method.covered = Number(tag.attr('covered') ?? 0) > 0;
                    }
                    return;
                case 'sourcefile':
                    sourceFile = tag.attr('name');
                    if (sourceFile !== undefined)
                        sourceFile = (0, text_stream_1.detach)(sourceFile);
                    if (sourceFile === undefined)
                        throw new report_error_1.ReportError('a <sourcefile> element has no name');
                    return;
                case 'line': {
                    if (sourceFile === undefined)
                        return;
                    const number = Number(tag.attr('nr'));
                    const coveredInstructions = Number(tag.attr('ci') ?? 0);
                    if (!Number.isInteger(number))
                        throw new report_error_1.ReportError(`a <line> of ${sourceFile} has no nr: <${tag.raw}>`);
                    lines.add(number, coveredInstructions);
                    const missedBranches = Number(tag.attr('mb') ?? 0);
                    const coveredBranches = Number(tag.attr('cb') ?? 0);
                    for (let slot = 0; slot < coveredBranches + missedBranches; slot++) {
                        branches.add(number, slot < coveredBranches ? 1 : 0);
                    }
                    return;
                }
                default:
                    return;
            }
        },
        close(name) {
            switch (name) {
                case 'method':
                    if (method && classFile !== undefined) {
                        let builder = methodsByFile.get(classFile);
                        if (!builder)
                            methodsByFile.set(classFile, (builder = new model_1.FunctionBuilder()));
                        builder.declare(method.key, method.line);
                        builder.hit(method.key, method.covered ? 1 : 0);
                    }
                    method = undefined;
                    return;
                case 'class':
                    classFile = undefined;
                    return;
                case 'sourcefile':
                    if (sourceFile === undefined)
                        return;
                    emit({
                        path: packageName === '' ? sourceFile : `${packageName}/${sourceFile}`,
                        lines: lines.take(),
                        branches: branches.take(),
                        functions: methodsByFile.get(sourceFile)?.take() ?? new model_1.FunctionBuilder().take(),
                    });
                    files++;
                    sourceFile = undefined;
                    return;
                default:
                    return;
            }
        },
    });
    if (!rootSeen)
        throw new report_error_1.ReportError('the root element is not <report>: this is not a JaCoCo XML report');
    if (files === 0) {
        throw new report_error_1.ReportError('no <sourcefile> elements: the report covers no file (JaCoCo writes them when its report task is given the source folders)');
    }
    return { family: 'other' };
}


/***/ }),

/***/ 744:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseCoveragePyJson = parseCoveragePyJson;
exports.parseIstanbulFinal = parseIstanbulFinal;
exports.parseIstanbulSummary = parseIstanbulSummary;
const model_1 = __nccwpck_require__(9291);
const report_error_1 = __nccwpck_require__(1885);
const json_stream_1 = __nccwpck_require__(8739);
const text_stream_1 = __nccwpck_require__(3520);
/** The members of a coverage.py file entry that are read; the others are skipped unbuilt. */
const ENTRY_MEMBERS = new Set(['executed_lines', 'missing_lines', 'summary']);
/** The members of an Istanbul file entry that are read; the others are skipped unbuilt. */
const ISTANBUL_MEMBERS = new Set(['path', 'statementMap', 'fnMap', 'branchMap', 's', 'f', 'b']);
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** The numbers of a JSON array; the array itself when it holds nothing else, as is usual. */
function numbers(value) {
    if (!Array.isArray(value))
        return [];
    const items = value;
    const isNumber = (item) => typeof item === 'number';
    return items.every(isNumber) ? items : items.filter(isNumber);
}
/**
 * Adds the executed lines (hit once) and the missing ones (never hit), both sorted as coverage.py
 * writes them, in line order: the builder then has nothing to sort.
 */
function addMerged(lines, executed, missing) {
    let e = 0;
    let m = 0;
    while (e < executed.length || m < missing.length) {
        if (m === missing.length || (e < executed.length && executed[e] <= missing[m])) {
            if (executed[e] > 0)
                lines.add(executed[e], 1);
            e++;
        }
        else {
            if (missing[m] > 0)
                lines.add(missing[m], 0);
            m++;
        }
    }
}
/** coverage.py's JSON report: executed and missing lines, executed and missing arcs. */
async function parseCoveragePyJson(chunks, emit) {
    const notCoveragePy = () => new report_error_1.ReportError("no 'meta' and 'files' objects: this is not a coverage.py JSON report");
    let branchCoverage;
    let sawFiles = false;
    // coverage.py writes `meta` first; should another writer put it last, the files' records wait
    // for it, since whether branches were measured decides what they hold.
    const waiting = [];
    const lines = new model_1.LineBuilder();
    const emitFile = (path, data, branches) => {
        // `executed_lines` can hold lines coverage.py does not count as statements (a docstring's
        // line, line 0 of an empty module), so the statement count comes from the file's summary:
        // the coverage set counts a file's covered statements as that count less the lines every
        // report missed (coverage-set.ts). Line 0 is never a statement.
        addMerged(lines, numbers(data.executed_lines), numbers(data.missing_lines));
        // Branch counts come from the file's summary: the executed_branches list also holds arcs
        // that coverage.py does not count as branches (inside comprehensions, for instance).
        const summary = isObject(data.summary) ? data.summary : {};
        const ratio = ratioOf({ covered: summary.covered_branches, total: summary.num_branches });
        const statements = Number(summary.num_statements);
        emit({
            path: (0, text_stream_1.detach)(path.replace(/\\/g, '/')),
            lines: lines.take(),
            statementCount: Number.isInteger(statements) && statements >= 0 ? statements : undefined,
            counts: branches ? { branches: ratio ?? { covered: 0, total: 0 } } : undefined,
        });
    };
    // A file's entry is streamed: only the members read above are built, the rest (branch arcs,
    // excluded lines, contexts, coverage.py 7.6's per-function and per-class regions) are skipped.
    // Duplicate members replace each other, as with JSON.parse.
    let entry = {};
    await (0, json_stream_1.readJsonStream)(chunks, (path, kind) => {
        if (path.length === 0)
            return 'stream';
        if (path[0] === 'files') {
            if (path.length === 1) {
                if (kind !== 'object')
                    return 'collect';
                sawFiles = true;
                return 'stream';
            }
            if (path.length === 2) {
                if (kind !== 'object')
                    return 'collect';
                entry = {};
                return 'stream';
            }
            return ENTRY_MEMBERS.has(path[2]) ? 'collect' : 'skip';
        }
        return path.length === 1 && path[0] === 'meta' ? 'collect' : 'skip';
    }, (path, value) => {
        if (path.length === 1) {
            // `files` only arrives whole when it is not an object.
            if (path[0] === 'files' || !isObject(value))
                throw notCoveragePy();
            branchCoverage = value.branch_coverage === true;
            for (const file of waiting.splice(0))
                emitFile(file.path, file.data, branchCoverage);
            return;
        }
        // A file's entry only arrives whole when it is not an object.
        if (path.length === 2)
            throw new report_error_1.ReportError(`the entry of ${String(path[1])} is not an object`);
        // Only the names in ENTRY_MEMBERS arrive here: none is `__proto__`.
        entry[path[2]] = value;
    }, (path) => {
        if (path.length !== 2 || path[0] !== 'files')
            return;
        const file = String(path[1]);
        if (branchCoverage === undefined)
            waiting.push({ path: file, data: entry });
        else
            emitFile(file, entry, branchCoverage);
        entry = {};
    });
    if (branchCoverage === undefined || !sawFiles)
        throw notCoveragePy();
    return { family: 'coverage.py' };
}
function startLine(location) {
    return isObject(location) && isObject(location.start)
        ? Number(location.start.line) || 0
        : 0;
}
/** Istanbul's coverage-final.json: statement, function and branch counters per file. */
async function parseIstanbulFinal(chunks, emit) {
    const lines = new model_1.LineBuilder();
    const functions = new model_1.FunctionBuilder();
    const branches = new model_1.BranchBuilder();
    let files = 0;
    // Each file's entry is built on its own and dropped once its record is out.
    const onEntry = (key, entry) => {
        // Some writers wrap each file's counters in a `data` object.
        const data = isObject(entry) && isObject(entry.data) ? entry.data : entry;
        if (!isObject(data) || !isObject(data.statementMap) || !isObject(data.s)) {
            throw new report_error_1.ReportError(`the entry of ${key} has no statementMap and s: this is not Istanbul's coverage-final.json`);
        }
        // Counted as istanbul-lib-coverage counts (FileCoverage.toSummary): every entry of `s`, `f`
        // and `b` counts, the maps only place it; a count that is not a number (`null`) is an entry
        // that never ran. A line's count is that of its busiest statement starting there.
        const statementMap = isObject(data.statementMap) ? data.statementMap : {};
        const lineHits = new Map();
        for (const [id, count] of Object.entries(data.s)) {
            const line = startLine(statementMap[id]);
            if (line === 0)
                continue;
            lineHits.set(line, Math.max(lineHits.get(line) ?? 0, hitsOf(count)));
        }
        for (const [line, hits] of lineHits)
            lines.add(line, hits);
        const fnMap = isObject(data.fnMap) ? data.fnMap : {};
        const f = isObject(data.f) ? data.f : {};
        for (const [id, count] of Object.entries(f)) {
            const fn = fnMap[id];
            const name = isObject(fn) && typeof fn.name === 'string' ? fn.name : `function ${id}`;
            const line = isObject(fn)
                ? startLine(fn.decl) || startLine(fn.loc) || Number(fn.line) || 0
                : 0;
            // Anonymous functions share names across files but not within one; the id keeps them apart.
            const key = (0, text_stream_1.detach)(`${name}#${id}`);
            functions.declare(key, line);
            functions.hit(key, hitsOf(count));
        }
        const branchMap = isObject(data.branchMap) ? data.branchMap : {};
        const b = isObject(data.b) ? data.b : {};
        for (const [id, counts] of Object.entries(b)) {
            if (!Array.isArray(counts))
                continue;
            const branch = branchMap[id];
            const firstLocation = isObject(branch) && Array.isArray(branch.locations)
                ? branch.locations[0]
                : undefined;
            const line = isObject(branch)
                ? Number(branch.line) || startLine(branch.loc) || startLine(firstLocation) || 0
                : 0;
            for (const count of counts)
                branches.add(line, hitsOf(count));
        }
        emit({
            path: (0, text_stream_1.detach)((typeof data.path === 'string' ? data.path : key).replace(/\\/g, '/')),
            lines: lines.take(),
            functions: functions.take(),
            branches: branches.take(),
        });
        files++;
    };
    // A file's entry is streamed: only the members read above are built, and the wrapping `data`
    // object some writers add; the rest (hashes, input source maps) is skipped unbuilt.
    let entry = {};
    await (0, json_stream_1.readJsonStream)(chunks, (path, kind) => {
        if (path.length === 0)
            return 'stream';
        if (path.length === 1) {
            if (kind !== 'object')
                return 'collect';
            entry = {};
            return 'stream';
        }
        return path[1] === 'data' || ISTANBUL_MEMBERS.has(path[1]) ? 'collect' : 'skip';
    }, (path, value) => {
        // An entry only arrives whole when it is not an object.
        if (path.length === 1)
            onEntry(String(path[0]), value);
        // Only `data` and the names in ISTANBUL_MEMBERS arrive here: none is `__proto__`.
        else
            entry[path[1]] = value;
    }, (path) => {
        if (path.length !== 1)
            return;
        onEntry(String(path[0]), entry);
        entry = {};
    });
    if (files === 0)
        throw new report_error_1.ReportError('the report names no file');
    return { family: 'other' };
}
/** A hit count as Istanbul reads it: anything but a positive number is "not run". */
function hitsOf(count) {
    return typeof count === 'number' && count > 0 ? count : 0;
}
function ratioOf(value) {
    if (!isObject(value))
        return undefined;
    const total = Number(value.total);
    const covered = Number(value.covered);
    return Number.isInteger(total) && Number.isInteger(covered) ? { covered, total } : undefined;
}
/** Istanbul's coverage-summary.json: line, branch and function counts per file and in total. */
async function parseIstanbulSummary(chunks, emit) {
    let sawTotal = false;
    await (0, json_stream_1.readJsonStream)(chunks, (path) => (path.length === 0 ? 'stream' : 'collect'), (path, entry) => {
        const file = String(path[0]);
        if (file === 'total') {
            sawTotal ||= isObject(entry);
            return;
        }
        if (!isObject(entry))
            throw new report_error_1.ReportError(`the entry of ${file} is not an object`);
        const lines = ratioOf(entry.lines);
        if (!lines)
            throw new report_error_1.ReportError(`the entry of ${file} has no lines.total and lines.covered`);
        emit({
            path: (0, text_stream_1.detach)(file.replace(/\\/g, '/')),
            lines: model_1.EMPTY_LINES,
            counts: { lines, branches: ratioOf(entry.branches), functions: ratioOf(entry.functions) },
        });
    });
    if (!sawTotal) {
        throw new report_error_1.ReportError("no 'total' object: this is not Istanbul's coverage-summary.json");
    }
    return { family: 'other' };
}


/***/ }),

/***/ 8739:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.readJsonStream = readJsonStream;
const node_string_decoder_1 = __nccwpck_require__(6193);
const report_error_1 = __nccwpck_require__(1885);
// Where the reader stands between tokens.
var At;
(function (At) {
    At[At["Value"] = 0] = "Value";
    At[At["FirstValueOrEnd"] = 1] = "FirstValueOrEnd";
    At[At["FirstKeyOrEnd"] = 2] = "FirstKeyOrEnd";
    At[At["Key"] = 3] = "Key";
    At[At["Colon"] = 4] = "Colon";
    At[At["CommaOrEnd"] = 5] = "CommaOrEnd";
    At[At["Done"] = 6] = "Done";
})(At || (At = {}));
// Which token the reader is inside, when a chunk ends in the middle of one.
var In;
(function (In) {
    In[In["Nothing"] = 0] = "Nothing";
    In[In["String"] = 1] = "String";
    In[In["Escape"] = 2] = "Escape";
    In[In["Unicode"] = 3] = "Unicode";
    In[In["Number"] = 4] = "Number";
    In[In["Literal"] = 5] = "Literal";
})(In || (In = {}));
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ESCAPES = {
    '"': '"',
    '\\': '\\',
    '/': '/',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
};
function describe(code) {
    return code < 0x20 || code === 0x7f
        ? `character U+${code.toString(16).padStart(4, '0').toUpperCase()}`
        : `'${String.fromCharCode(code)}'`;
}
function isWhitespace(code) {
    return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
function isNumberPart(code) {
    // digits, '-', '+', '.', 'e', 'E'
    return ((code >= 0x30 && code <= 0x39) ||
        code === 0x2d ||
        code === 0x2b ||
        code === 0x2e ||
        code === 0x65 ||
        code === 0x45);
}
function isLetter(code) {
    return code >= 0x61 && code <= 0x7a;
}
/** Sets a member the way JSON.parse does: `__proto__` becomes an own property, not the prototype. */
function setMember(target, key, value) {
    if (key === '__proto__') {
        Object.defineProperty(target, key, {
            value,
            writable: true,
            enumerable: true,
            configurable: true,
        });
    }
    else {
        target[key] = value;
    }
}
class JsonStreamReader {
    plan;
    onValue;
    onEnd;
    at = At.Value;
    inside = In.Nothing;
    stack = [];
    path = [];
    /** The text of the token in progress, when it spans chunks. */
    token = '';
    unicode = '';
    /** Whether the string in progress is an object key (otherwise a value). */
    stringIsKey = false;
    /** The string in progress is dropped (skip mode), so its text is not gathered. */
    stringDropped = false;
    /** Characters read before the current chunk, for error positions. */
    offset = 0;
    started = false;
    /** Whether the value being started is the outermost one collected (set by modeOf). */
    collectRoot = false;
    constructor(plan, onValue, onEnd) {
        this.plan = plan;
        this.onValue = onValue;
        this.onEnd = onEnd;
    }
    fail(problem, index) {
        throw new report_error_1.ReportError(`not valid JSON (${problem} at character ${this.offset + index + 1})`);
    }
    write(chunk) {
        let text = chunk;
        if (!this.started && text.length > 0) {
            this.started = true;
            if (text.charCodeAt(0) === 0xfeff)
                text = text.slice(1);
        }
        const length = text.length;
        let i = 0;
        while (i < length) {
            switch (this.inside) {
                case In.String:
                    i = this.readString(text, i);
                    continue;
                case In.Escape:
                    i = this.readEscape(text, i);
                    continue;
                case In.Unicode:
                    i = this.readUnicode(text, i);
                    continue;
                case In.Number:
                    i = this.readRun(text, i, isNumberPart);
                    continue;
                case In.Literal:
                    i = this.readRun(text, i, isLetter);
                    continue;
            }
            const code = text.charCodeAt(i);
            if (isWhitespace(code)) {
                i++;
                continue;
            }
            switch (this.at) {
                case At.Value:
                case At.FirstValueOrEnd:
                    if (code === 0x5d && this.at === At.FirstValueOrEnd) {
                        this.close();
                    }
                    else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
                        // Most numbers are short integers wholly in this chunk: read them in place; the
                        // rest (fractions, exponents, long or malformed ones) go through readRun.
                        const end = this.readInteger(text, i);
                        if (end < 0) {
                            this.token = '';
                            this.inside = In.Number;
                        }
                        else {
                            i = end;
                        }
                        continue;
                    }
                    else if (!this.startValue(i, code)) {
                        // A literal: readRun reads it from its first character.
                        continue;
                    }
                    break;
                case At.FirstKeyOrEnd:
                case At.Key:
                    if (code === 0x7d && this.at === At.FirstKeyOrEnd) {
                        this.close();
                    }
                    else if (code === 0x22) {
                        this.stringIsKey = true;
                        // A key of a skipped object is never looked at.
                        this.stringDropped = this.stack[this.stack.length - 1].mode === 'skip';
                        this.token = '';
                        this.inside = In.String;
                    }
                    else {
                        this.fail(`expected a property name, found ${describe(code)}`, i);
                    }
                    break;
                case At.Colon:
                    if (code !== 0x3a)
                        this.fail(`expected ':', found ${describe(code)}`, i);
                    this.at = At.Value;
                    break;
                case At.CommaOrEnd: {
                    const frame = this.stack[this.stack.length - 1];
                    if (code === 0x2c) {
                        if (frame.array) {
                            frame.key = frame.key + 1;
                            this.at = At.Value;
                        }
                        else {
                            this.at = At.Key;
                        }
                    }
                    else if (code === (frame.array ? 0x5d : 0x7d)) {
                        this.close();
                    }
                    else {
                        this.fail(`expected ',' or '${frame.array ? ']' : '}'}', found ${describe(code)}`, i);
                    }
                    break;
                }
                case At.Done:
                    this.fail(`unexpected ${describe(code)} after the end of the document`, i);
            }
            i++;
        }
        this.offset += length;
    }
    /** Checks that the document is complete. */
    end() {
        if (this.inside === In.Number || this.inside === In.Literal)
            this.finishRun(0);
        if (this.inside !== In.Nothing || this.at !== At.Done) {
            throw new report_error_1.ReportError('not valid JSON (the document ends before it is complete)');
        }
    }
    /**
     * The mode of the value starting now, asking the plan where the parent streams; sets
     * collectRoot (no object per value: this runs for every value of the document).
     */
    modeOf(kind) {
        const parent = this.stack[this.stack.length - 1];
        if (parent !== undefined && parent.mode !== 'stream') {
            this.collectRoot = false;
            return parent.mode;
        }
        if (parent)
            this.path.push(parent.key);
        const mode = this.plan(this.path, kind);
        if (parent)
            this.path.pop();
        this.collectRoot = true;
        return mode === 'stream' && kind === 'primitive' ? 'skip' : mode;
    }
    /**
     * Reads a decimal integer of at most 15 digits that ends within `text` (exact as a double),
     * as JSON.parse reads it; -1, reading nothing, for anything else.
     */
    readInteger(text, start) {
        const length = text.length;
        let i = start;
        const negative = text.charCodeAt(i) === 0x2d;
        if (negative)
            i++;
        const first = i;
        let value = 0;
        while (i < length) {
            const digit = text.charCodeAt(i) - 0x30;
            if (digit < 0 || digit > 9)
                break;
            value = value * 10 + digit;
            i++;
        }
        const digits = i - first;
        if (i === length ||
            digits === 0 ||
            digits > 15 ||
            (digits > 1 && text.charCodeAt(first) === 0x30) ||
            isNumberPart(text.charCodeAt(i))) {
            return -1;
        }
        this.primitive(negative ? -value : value);
        return i;
    }
    /**
     * Starts the value (not a number: write() reads those) whose first character is `code`; false
     * when that character is not consumed.
     */
    startValue(i, code) {
        if (code === 0x7b || code === 0x5b) {
            const array = code === 0x5b;
            const mode = this.modeOf(array ? 'array' : 'object');
            const collectRoot = this.collectRoot;
            const parent = this.stack[this.stack.length - 1];
            if (parent?.mode === 'stream')
                this.path.push(parent.key);
            this.stack.push({
                array,
                mode,
                value: mode === 'collect' ? (array ? [] : {}) : undefined,
                key: array ? 0 : '',
                collectRoot,
            });
            this.at = array ? At.FirstValueOrEnd : At.FirstKeyOrEnd;
        }
        else if (code === 0x22) {
            const parent = this.stack[this.stack.length - 1];
            this.stringIsKey = false;
            // A string under a skipped parent is never looked at; the plan is not asked for it.
            this.stringDropped = parent !== undefined && parent.mode === 'skip';
            this.token = '';
            this.inside = In.String;
        }
        else if (isLetter(code)) {
            this.token = '';
            this.inside = In.Literal;
            return false;
        }
        else {
            this.fail(`unexpected ${describe(code)}`, i);
        }
        return true;
    }
    close() {
        const frame = this.stack.pop();
        if (frame.mode === 'stream' && this.onEnd)
            this.onEnd(this.path);
        const parent = this.stack[this.stack.length - 1];
        if (parent?.mode === 'stream')
            this.path.pop();
        if (frame.mode === 'collect')
            this.deliver(frame.value, frame.collectRoot);
        this.afterValue();
    }
    /** Hands a finished value to its parent being built, or to onValue when it is collected whole. */
    deliver(value, collectRoot) {
        const parent = this.stack[this.stack.length - 1];
        if (collectRoot) {
            if (parent)
                this.path.push(parent.key);
            this.onValue(this.path, value);
            if (parent)
                this.path.pop();
        }
        else if (parent.array) {
            parent.value.push(value);
        }
        else {
            setMember(parent.value, parent.key, value);
        }
    }
    afterValue() {
        this.at = this.stack.length === 0 ? At.Done : At.CommaOrEnd;
    }
    primitive(value) {
        if (this.modeOf('primitive') === 'collect')
            this.deliver(value, this.collectRoot);
        this.afterValue();
    }
    readString(text, start) {
        const length = text.length;
        let i = start;
        while (i < length) {
            const code = text.charCodeAt(i);
            if (code === 0x22 || code === 0x5c)
                break;
            if (code < 0x20)
                this.fail(`unescaped ${describe(code)} in a string`, i);
            i++;
        }
        if (!this.stringDropped && i > start)
            this.token += text.slice(start, i);
        if (i === length)
            return i;
        if (text.charCodeAt(i) === 0x5c) {
            this.inside = In.Escape;
            return i + 1;
        }
        this.inside = In.Nothing;
        const value = this.token;
        this.token = '';
        if (this.stringIsKey) {
            const frame = this.stack[this.stack.length - 1];
            frame.key = value;
            this.at = At.Colon;
        }
        else {
            this.primitive(value);
        }
        return i + 1;
    }
    readEscape(text, i) {
        const letter = text[i];
        if (letter === 'u') {
            this.unicode = '';
            this.inside = In.Unicode;
            return i + 1;
        }
        const replacement = ESCAPES[letter];
        if (replacement === undefined)
            this.fail(`bad escape '\\${letter}' in a string`, i);
        if (!this.stringDropped)
            this.token += replacement;
        this.inside = In.String;
        return i + 1;
    }
    readUnicode(text, start) {
        let i = start;
        while (i < text.length && this.unicode.length < 4) {
            const code = text.charCodeAt(i);
            const hex = (code >= 0x30 && code <= 0x39) ||
                (code >= 0x41 && code <= 0x46) ||
                (code >= 0x61 && code <= 0x66);
            if (!hex)
                this.fail(`bad \\u escape in a string`, i);
            this.unicode += text[i];
            i++;
        }
        if (this.unicode.length === 4) {
            // Surrogate halves are kept as they are, pairs or not, as JSON.parse does.
            if (!this.stringDropped)
                this.token += String.fromCharCode(parseInt(this.unicode, 16));
            this.inside = In.String;
        }
        return i;
    }
    /** Gathers a number or a literal (true, false, null) up to its first foreign character. */
    readRun(text, start, part) {
        let i = start;
        while (i < text.length && part(text.charCodeAt(i)))
            i++;
        this.token += text.slice(start, i);
        if (i < text.length)
            this.finishRun(i);
        return i;
    }
    finishRun(i) {
        const token = this.token;
        this.token = '';
        let value;
        if (this.inside === In.Number) {
            if (!NUMBER.test(token))
                this.fail(`bad number '${token}'`, i - token.length);
            value = Number(token);
        }
        else if (token === 'true') {
            value = true;
        }
        else if (token === 'false') {
            value = false;
        }
        else if (token === 'null') {
            value = null;
        }
        else {
            this.fail(`unexpected '${token}'`, i - token.length);
        }
        this.inside = In.Nothing;
        this.primitive(value);
    }
}
/**
 * Reads a JSON document whose root is an object, chunk by chunk, building only the values the
 * plan asks for. A UTF-8 byte order mark is dropped.
 */
async function readJsonStream(chunks, plan, onValue, onEnd) {
    const reader = new JsonStreamReader((path, kind) => {
        if (path.length === 0 && kind !== 'object') {
            throw new report_error_1.ReportError('the JSON document is not an object');
        }
        return plan(path, kind);
    }, onValue, onEnd);
    const decoder = new node_string_decoder_1.StringDecoder('utf8');
    for await (const chunk of chunks) {
        reader.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    }
    reader.write(decoder.end());
    reader.end();
}


/***/ }),

/***/ 8248:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseLcov = parseLcov;
const model_1 = __nccwpck_require__(9291);
const report_error_1 = __nccwpck_require__(1885);
const text_stream_1 = __nccwpck_require__(3520);
// lcov tracefiles (geninfo(1)): one record per source file from SF: to end_of_record, with
// DA (lines), BRDA (branches), FN/FNDA (functions) and, since lcov 2.x, FNL/FNA (functions by
// index with aliases). A file listed twice (reports concatenated) gives two records, which
// the merge adds up.
const D = 68;
const A = 65;
const COLON = 58;
async function parseLcov(chunks, emit) {
    const lines = new model_1.LineBuilder();
    const functions = new model_1.FunctionBuilder();
    let branches = new model_1.BranchBuilder();
    let branchSlots = new Map();
    let path;
    let hasBranches = false;
    let hasFunctions = false;
    let lineCount = -1;
    let linesHit = -1;
    // lcov 2.x: FNL gives an index's line, FNA its names; the first name stands for the rest.
    let indexed = new Map();
    let lineNumber = 0;
    let records = 0;
    const fail = (problem) => {
        throw new report_error_1.ReportError(`line ${lineNumber}: ${problem}`);
    };
    const finish = () => {
        if (path === undefined)
            return;
        const lineHits = lines.take();
        emit({
            path,
            lines: lineHits,
            branches: hasBranches ? branches.take() : undefined,
            functions: hasFunctions ? functions.take() : undefined,
            // A record with LF/LH but no DA lines still says how many lines it has.
            counts: lineHits.lines.length === 0 && lineCount > 0
                ? { lines: { covered: Math.max(0, linesHit), total: lineCount } }
                : undefined,
        });
        records++;
        path = undefined;
    };
    await (0, text_stream_1.forEachLine)(chunks, (line) => {
        lineNumber++;
        // DA lines are the bulk of any tracefile: recognise them before anything else.
        if (line.charCodeAt(0) === D && line.charCodeAt(1) === A && line.charCodeAt(2) === COLON) {
            if (path === undefined)
                fail('DA outside a record (no SF line before it)');
            const comma = line.indexOf(',', 3);
            if (comma < 0)
                fail(`'${line}' is not DA:<line>,<hits>`);
            const next = line.indexOf(',', comma + 1);
            const number = (0, text_stream_1.readUnsigned)(line, 3, comma);
            let hits = (0, text_stream_1.readUnsigned)(line, comma + 1, next < 0 ? line.length : next);
            if (hits < 0)
                hits = Number(line.slice(comma + 1, next < 0 ? undefined : next));
            if (number < 0 || Number.isNaN(hits))
                fail(`'${line}' is not DA:<line>,<hits>`);
            lines.add(number, hits > 0 ? hits : 0);
            return;
        }
        const colon = line.indexOf(':');
        const tag = colon < 0 ? line.trim() : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1);
        switch (tag) {
            case 'SF':
                if (path !== undefined)
                    finish();
                path = (0, text_stream_1.detach)(value.trim().replace(/\\/g, '/'));
                hasBranches = false;
                hasFunctions = false;
                lineCount = -1;
                linesHit = -1;
                indexed = new Map();
                branches = new model_1.BranchBuilder();
                branchSlots = new Map();
                return;
            case 'end_of_record':
                finish();
                return;
            case 'TN':
            case 'VER':
            case '':
                return;
        }
        if (path === undefined)
            fail(`${tag} outside a record (no SF line before it)`);
        switch (tag) {
            case 'LF':
                lineCount = Number(value);
                return;
            case 'LH':
                linesHit = Number(value);
                return;
            case 'FN': {
                hasFunctions = true;
                // FN:<line>[,<end line>],<name>; names may hold commas (C++ signatures).
                const match = /^(\d+),(?:(\d+),)?(.*)$/.exec(value);
                if (!match)
                    fail(`'${line}' is not FN:<line>,<name>`);
                functions.declare((0, text_stream_1.detach)(match[3]), Number(match[1]));
                return;
            }
            case 'FNDA': {
                hasFunctions = true;
                const comma = value.indexOf(',');
                if (comma < 0)
                    fail(`'${line}' is not FNDA:<hits>,<name>`);
                functions.hit((0, text_stream_1.detach)(value.slice(comma + 1)), Math.max(0, Number(value.slice(0, comma)) || 0));
                return;
            }
            case 'FNL': {
                hasFunctions = true;
                const [index, start] = value.split(',');
                indexed.set(index, { line: Number(start) || 0 });
                return;
            }
            case 'FNA': {
                hasFunctions = true;
                const first = value.indexOf(',');
                const second = value.indexOf(',', first + 1);
                if (first < 0 || second < 0)
                    fail(`'${line}' is not FNA:<index>,<hits>,<name>`);
                const index = value.slice(0, first);
                const hits = Math.max(0, Number(value.slice(first + 1, second)) || 0);
                const entry = indexed.get(index) ?? { line: 0 };
                indexed.set(index, entry);
                if (entry.name === undefined) {
                    entry.name = (0, text_stream_1.detach)(value.slice(second + 1));
                    functions.declare(entry.name, entry.line);
                }
                functions.hit(entry.name, hits);
                return;
            }
            case 'BRDA': {
                hasBranches = true;
                // BRDA:<line>,<block>,<branch>,<taken>; lcov 2.x branch names may hold commas.
                const first = value.indexOf(',');
                const second = value.indexOf(',', first + 1);
                const last = value.lastIndexOf(',');
                if (first < 0 || second < 0 || last <= second)
                    fail(`'${line}' is not BRDA:<line>,<block>,<branch>,<taken>`);
                const lineNo = Number(value.slice(0, first));
                const taken = value.slice(last + 1).trim();
                const key = value.slice(0, last);
                let slot = branchSlots.get(key);
                if (slot === undefined) {
                    slot = branchSlots.size;
                    branchSlots.set(key, slot);
                }
                branches.addAt(lineNo, slot, taken === '-' ? 0 : Math.max(0, Number(taken) || 0));
                return;
            }
            case 'BRF':
            case 'BRH':
                hasBranches = true;
                return;
            case 'FNF':
            case 'FNH':
                hasFunctions = true;
                return;
            default:
                // Other records (checksums, MC/DC of lcov 2.2) are not coverage we gate on.
                return;
        }
    });
    if (path !== undefined)
        fail(`the record of ${path} has no end_of_record`);
    if (records === 0)
        throw new report_error_1.ReportError('no SF records: this is not an lcov tracefile, or it is empty');
    return { family: 'other' };
}


/***/ }),

/***/ 1885:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ReportError = void 0;
/** A report that cannot be read as its format; the caller adds the file's name. */
class ReportError extends Error {
    constructor(message) {
        super(message);
        this.name = 'ReportError';
    }
}
exports.ReportError = ReportError;


/***/ }),

/***/ 3520:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.forEachLine = forEachLine;
exports.readUnsigned = readUnsigned;
exports.detach = detach;
const node_string_decoder_1 = __nccwpck_require__(6193);
/**
 * Calls `onLine` with each line of the text, without its line ending (\n or \r\n), holding at
 * most one chunk and one partial line in memory. A UTF-8 byte order mark is dropped.
 * `onLine` may return false to stop reading.
 */
async function forEachLine(chunks, onLine) {
    const decoder = new node_string_decoder_1.StringDecoder('utf8');
    // A partial line is kept as pieces and only searched once: a line without a newline across
    // many chunks (64 MB of one line) is read in time proportional to its length.
    let carry = [];
    let first = true;
    for await (const chunk of chunks) {
        let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        if (first && text.length > 0) {
            if (text.charCodeAt(0) === 0xfeff)
                text = text.slice(1);
            first = false;
        }
        let end = text.indexOf('\n');
        if (end < 0) {
            if (text !== '')
                carry.push(text);
            continue;
        }
        if (carry.length > 0) {
            carry.push(text);
            const head = carry.join('');
            end += head.length - text.length;
            text = head;
            carry = [];
        }
        let start = 0;
        while (end >= 0) {
            const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
            if (onLine(text.slice(start, stop)) === false)
                return;
            start = end + 1;
            end = text.indexOf('\n', start);
        }
        if (start < text.length)
            carry.push(text.slice(start));
    }
    const rest = carry.join('') + decoder.end();
    if (rest !== '')
        onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
}
/** A decimal integer at text[start..end), or -1 when the text is not one; faster than Number(). */
function readUnsigned(text, start, end) {
    if (start >= end)
        return -1;
    let value = 0;
    for (let i = start; i < end; i++) {
        const digit = text.charCodeAt(i) - 48;
        if (digit < 0 || digit > 9)
            return -1;
        value = value * 10 + digit;
    }
    return value;
}
/**
 * A copy of a string cut from a chunk, for strings a parser keeps (paths, function names).
 * V8 represents a slice as a view of the whole string it was cut from, which would keep every
 * megabyte-sized chunk of the report alive for as long as one path taken from it.
 */
function detach(text) {
    return text.length < 13 ? text : (' ' + text).slice(1);
}


/***/ }),

/***/ 2944:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.scanXml = scanXml;
const node_string_decoder_1 = __nccwpck_require__(6193);
const report_error_1 = __nccwpck_require__(1885);
/** One object serves every start tag of a document: no object is made per tag. */
class ReusableTag {
    name = '';
    raw = '';
    nameEnd = 0;
    reset(raw) {
        this.raw = raw;
        let end = 0;
        while (end < raw.length) {
            const code = raw.charCodeAt(end);
            if (code === 32 || code === 9 || code === 10 || code === 13)
                break;
            end++;
        }
        this.nameEnd = end;
        this.name = raw.slice(0, end);
    }
    attr(name) {
        const raw = this.raw;
        let i = this.nameEnd;
        while (i < raw.length) {
            while (i < raw.length && isSpace(raw.charCodeAt(i)))
                i++;
            const nameStart = i;
            while (i < raw.length && raw.charCodeAt(i) !== 61 && !isSpace(raw.charCodeAt(i)))
                i++;
            const attrName = raw.slice(nameStart, i);
            while (i < raw.length && isSpace(raw.charCodeAt(i)))
                i++;
            if (raw.charCodeAt(i) !== 61)
                return undefined;
            i++;
            while (i < raw.length && isSpace(raw.charCodeAt(i)))
                i++;
            const quote = raw[i];
            if (quote !== '"' && quote !== "'")
                return undefined;
            const close = raw.indexOf(quote, i + 1);
            if (close < 0)
                return undefined;
            if (attrName === name) {
                const value = raw.slice(i + 1, close);
                return value.includes('&') ? decodeEntities(value) : value;
            }
            i = close + 1;
        }
        return undefined;
    }
}
function isSpace(code) {
    return code === 32 || code === 9 || code === 10 || code === 13;
}
const NAMED = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, body) => {
        if (body.startsWith('#x'))
            return String.fromCodePoint(parseInt(body.slice(2), 16));
        if (body.startsWith('#'))
            return String.fromCodePoint(parseInt(body.slice(1), 10));
        return NAMED[body] ?? whole;
    });
}
/** Reads the document, calling the handler for each element, text and comment in order. */
async function scanXml(chunks, handler) {
    const decoder = new node_string_decoder_1.StringDecoder('utf8');
    const tag = new ReusableTag();
    const wantsText = handler.text !== undefined;
    let buffer = '';
    let depth = 0;
    let sawRoot = false;
    let consumed = 0;
    const fail = (problem) => {
        throw new report_error_1.ReportError(`not well-formed XML near character ${consumed}: ${problem}`);
    };
    const scan = (final) => {
        let pos = 0;
        const length = buffer.length;
        while (pos < length) {
            const lt = buffer.indexOf('<', pos);
            if (lt < 0) {
                // Text runs to the end of what has arrived; keep it until its end is known.
                if (wantsText && !final)
                    return keep(pos, final, 'text', { kind: 'text' }, 0);
                pos = length;
                break;
            }
            if (lt > pos && wantsText && depth > 0)
                deliverText(buffer.slice(pos, lt));
            const next = buffer.charCodeAt(lt + 1);
            let end;
            if (next === 47) {
                // </name>
                end = buffer.indexOf('>', lt + 2);
                if (end < 0)
                    return keep(lt, final, 'an unclosed end tag', until('>'), 2);
                handler.close(buffer.slice(lt + 2, end).trim());
                depth--;
                pos = end + 1;
            }
            else if (next === 63) {
                end = buffer.indexOf('?>', lt + 2);
                if (end < 0)
                    return keep(lt, final, 'an unclosed processing instruction', until('?>'), 2);
                pos = end + 2;
            }
            else if (next === 33) {
                if (buffer.startsWith('<!--', lt)) {
                    end = buffer.indexOf('-->', lt + 4);
                    if (end < 0)
                        return keep(lt, final, 'an unclosed comment', until('-->'), 4);
                    handler.comment?.(buffer.slice(lt + 4, end));
                    pos = end + 3;
                }
                else if (buffer.startsWith('<![CDATA[', lt)) {
                    end = buffer.indexOf(']]>', lt + 9);
                    if (end < 0)
                        return keep(lt, final, 'an unclosed CDATA section', until(']]>'), 9);
                    if (wantsText)
                        handler.text(buffer.slice(lt + 9, end));
                    pos = end + 3;
                }
                else {
                    // <!DOCTYPE ...>, possibly with an internal subset in brackets, which is skipped.
                    const bracket = buffer.indexOf('[', lt);
                    const close = buffer.indexOf('>', lt);
                    if (close < 0) {
                        const awaiting = { kind: 'declaration' };
                        return keep(lt, final, 'an unclosed declaration', awaiting, 2);
                    }
                    if (bracket >= 0 && bracket < close) {
                        end = buffer.indexOf(']>', bracket);
                        if (end < 0)
                            return keep(bracket, final, 'an unclosed declaration', until(']>'), 1, lt);
                        pos = end + 2;
                    }
                    else {
                        pos = close + 1;
                    }
                }
            }
            else {
                end = findTagEnd(buffer, lt + 1);
                if (end < 0)
                    return keep(lt, final, 'an unclosed start tag', { kind: 'start-tag', quote: 0 }, 1);
                const empty = buffer.charCodeAt(end - 1) === 47;
                tag.reset(buffer.slice(lt + 1, empty ? end - 1 : end));
                if (tag.name === '')
                    fail('a tag without a name');
                if (depth === 0) {
                    if (sawRoot)
                        fail('a second root element');
                    sawRoot = true;
                }
                handler.open(tag);
                if (empty)
                    handler.close(tag.name);
                else
                    depth++;
                pos = end + 1;
            }
        }
        consumed += pos;
        buffer = buffer.slice(pos);
        return undefined;
    };
    const deliverText = (text) => {
        handler.text(text.includes('&') ? decodeEntities(text) : text);
    };
    /**
     * Sets aside the unfinished construct that starts at `start` (at `from` when its end is looked
     * for from a later point, `from` - `start` + `skip` being where that search begins), until a
     * later chunk holds its end.
     */
    const keep = (from, final, what, awaiting, skip, start = from) => {
        if (final)
            fail(`the file ends inside ${what}`);
        consumed += start;
        pending = { pieces: [buffer.slice(start)], awaiting };
        endsIn(awaiting, buffer.slice(from + skip));
        buffer = '';
        return undefined;
    };
    let pending;
    let first = true;
    for await (const chunk of chunks) {
        let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        if (first && text !== '') {
            if (text.charCodeAt(0) === 0xfeff)
                text = text.slice(1);
            first = false;
        }
        if (pending !== undefined) {
            // Only the new text is searched: a construct of any size is read in time proportional
            // to its size, and joined once, when its end has arrived.
            pending.pieces.push(text);
            if (!endsIn(pending.awaiting, text))
                continue;
            buffer = pending.pieces.join('');
            pending = undefined;
        }
        else {
            buffer += text;
        }
        scan(false);
    }
    // At the end nothing is set aside: an unfinished construct is an error.
    buffer = (pending?.pieces.join('') ?? buffer) + decoder.end();
    scan(true);
    if (!sawRoot)
        fail('no root element');
    if (depth !== 0)
        fail('the file ends before its root element is closed');
}
function until(end) {
    return { kind: 'sequence', end, tail: '' };
}
/**
 * Whether `text`, the next piece of an unfinished construct, holds the construct's end; the
 * search state is carried in `awaiting` from one piece to the next.
 */
function endsIn(awaiting, text) {
    switch (awaiting.kind) {
        case 'text':
            return text.includes('<');
        case 'sequence': {
            const probe = awaiting.tail + text;
            if (probe.includes(awaiting.end))
                return true;
            awaiting.tail = probe.slice(probe.length - Math.min(probe.length, awaiting.end.length - 1));
            return false;
        }
        case 'declaration': {
            // Without an internal subset, `>` ends it; with one (`[` first), `]>` does.
            const close = text.indexOf('>');
            const bracket = text.indexOf('[');
            if (bracket < 0 || (close >= 0 && close < bracket))
                return close >= 0;
            Object.assign(awaiting, until(']>'));
            return endsIn(awaiting, text.slice(bracket + 1));
        }
        case 'start-tag': {
            let i = 0;
            while (i < text.length) {
                if (awaiting.quote !== 0) {
                    const close = text.indexOf(awaiting.quote === 34 ? '"' : "'", i);
                    if (close < 0)
                        return false;
                    awaiting.quote = 0;
                    i = close + 1;
                    continue;
                }
                const code = text.charCodeAt(i);
                if (code === 62)
                    return true;
                if (code === 34 || code === 39)
                    awaiting.quote = code;
                i++;
            }
            return false;
        }
    }
}
/** The index of the `>` closing a start tag, skipping `>` inside quoted attribute values. */
function findTagEnd(text, from) {
    for (let i = from; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code === 62)
            return i;
        if (code === 34 || code === 39) {
            const close = text.indexOf(code === 34 ? '"' : "'", i + 1);
            if (close < 0)
                return -1;
            i = close;
        }
    }
    return -1;
}


/***/ }),

/***/ 6383:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.commentMarker = commentMarker;
exports.markedBody = markedBody;
exports.tokenLogin = tokenLogin;
exports.findOwnComment = findOwnComment;
exports.upsertComment = upsertComment;
const outside_text_1 = __nccwpck_require__(6725);
/** GITHUB_TOKEN's identity, where neither GET /user nor GraphQL says who the token is. */
const ACTIONS_BOT = 'github-actions[bot]';
/**
 * The hidden line that marks the comment: the comment-id when given, else the workflow and
 * job, URL-encoded (so a comment-id never reads as another job's default marker).
 */
function commentMarker(workflow, job, commentId) {
    if (commentId)
        return `<!-- coverage-gate: id=${encodeURIComponent(commentId)} -->`;
    return `<!-- coverage-gate: ${encodeURIComponent(workflow)}/${encodeURIComponent(job)} -->`;
}
/** The comment as posted: the text, then the marker that finds it again. */
function markedBody(text, marker) {
    return `${text}\n${marker}\n`;
}
/**
 * The token's login, as comments show their author: GET /user; where the token may not read
 * it (GITHUB_TOKEN gets 403), GraphQL's viewer; else github-actions[bot].
 */
async function tokenLogin(api, log) {
    const user = await api.userLogin();
    if (user)
        return user;
    try {
        return await api.viewerLogin();
    }
    catch (error) {
        log.debug(`GraphQL did not name the token's user (${(0, outside_text_1.inertInline)(String(error))}); taking ${ACTIONS_BOT}.`);
        return ACTIONS_BOT;
    }
}
/** The first comment that carries the marker and that `login` wrote. */
function findOwnComment(comments, marker, login) {
    const own = login.toLowerCase();
    return comments.find((comment) => comment.body?.includes(marker) && comment.user?.login?.toLowerCase() === own);
}
/**
 * Writes the comment: updates our own marked comment where there is one, else creates it
 * unless `createNew` is false (comment: on-failure on a passing run only refreshes an old one).
 */
async function upsertComment(api, request, log) {
    const body = markedBody(request.text, request.marker);
    const login = await tokenLogin(api, log);
    const comments = await api.listComments(request.pullRequest);
    const existing = findOwnComment(comments, request.marker, login);
    const foreign = comments.filter((comment) => comment !== existing && comment.body?.includes(request.marker)).length;
    if (foreign > 0 && !existing) {
        log.info(`${foreign} comment(s) carry this step's marker but were not written by ${(0, outside_text_1.inertInline)(login)}: left alone.`);
    }
    if (existing) {
        const updated = await api.updateComment(existing.id, body);
        return { action: 'updated', id: updated.id ?? existing.id, url: updated.html_url };
    }
    if (!request.createNew)
        return { action: 'skipped' };
    const created = await api.createComment(request.pullRequest, body);
    return { action: 'created', id: created.id, url: created.html_url };
}


/***/ }),

/***/ 2005:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.writeSummary = writeSummary;
exports.buildSummary = buildSummary;
exports.readBaselineFile = readBaselineFile;
exports.readBaseline = readBaseline;
const node_fs_1 = __nccwpck_require__(3024);
const errors_1 = __nccwpck_require__(9223);
const percent_1 = __nccwpck_require__(2571);
const pair = (ratio) => [ratio.covered, ratio.total];
/**
 * Writes the summary as JSON through `write`, a file at a time, so that the text of a report
 * of 100,000 files is never held whole in memory. Same content as JSON.stringify(buildSummary()).
 */
function writeSummary(write, totals, headline, diff, passed, commit) {
    const head = buildSummary({ ...totals, files: [] }, headline, diff, passed, commit);
    delete head.files;
    write(`${JSON.stringify(head).slice(0, -1)},"files":{`);
    let first = true;
    let batch = [];
    for (const file of totals.files) {
        if (file.unnamed)
            continue;
        const entry = { lines: pair(file.lines) };
        if (file.branches)
            entry.branches = pair(file.branches);
        if (file.functions)
            entry.functions = pair(file.functions);
        batch.push(`${first ? '' : ','}${JSON.stringify(file.path)}:${JSON.stringify(entry)}`);
        first = false;
        if (batch.length === 1000) {
            write(batch.join(''));
            batch = [];
        }
    }
    write(`${batch.join('')}}}\n`);
}
function buildSummary(totals, headline, diff, passed, commit) {
    const files = {};
    for (const file of totals.files) {
        if (file.unnamed)
            continue;
        files[file.path] = {
            lines: pair(file.lines),
            ...(file.branches && { branches: pair(file.branches) }),
            ...(file.functions && { functions: pair(file.functions) }),
        };
    }
    return {
        version: 1,
        coverage: headline.value ? (0, percent_1.formatExact)(headline.value) : '',
        headline: {
            basis: headline.basis,
            ...(headline.ratio && { covered: headline.ratio.covered, total: headline.ratio.total }),
            // Enough places that a baseline compares almost as exactly as the counts would.
            percent: headline.value ? (0, percent_1.formatExact)(headline.value, 6) : '',
        },
        line: totals.lines,
        ...(totals.branches && { branch: totals.branches }),
        ...(totals.functions && { function: totals.functions }),
        ...(diff && diff.total > 0 && { diff }),
        passed,
        commit,
        files,
    };
}
/** The baseline's headline; a missing file is a warning, as the first run on a branch has none. */
function readBaselineFile(file, log) {
    if (!file)
        return undefined;
    if (!(0, node_fs_1.existsSync)(file)) {
        log.warning(`No baseline at ${file}: max-drop is not checked on this run (the first run on a branch has none).`);
        return undefined;
    }
    return readBaseline((0, node_fs_1.readFileSync)(file, 'utf8'), file);
}
/** The headline of a baseline summary, exactly: from its counts, else its printed percent. */
function readBaseline(text, name) {
    let summary;
    try {
        summary = JSON.parse(text);
    }
    catch {
        throw new errors_1.ActionFailure(`The baseline ${name} is not JSON: expected the summary file a previous run of coverage-gate wrote.`);
    }
    const headline = summary?.headline;
    if (headline &&
        Number.isInteger(headline.covered) &&
        Number.isInteger(headline.total) &&
        headline.total > 0) {
        return (0, percent_1.exactOfRatio)({ covered: headline.covered, total: headline.total });
    }
    const printed = (0, percent_1.readPrintedPercent)(String(headline?.percent ?? summary?.coverage ?? ''));
    if (!printed) {
        throw new errors_1.ActionFailure(`The baseline ${name} holds no coverage figure: expected the summary file a previous run of coverage-gate wrote.`);
    }
    return { num: printed.digits, den: 10n ** BigInt(printed.scale) };
}


/***/ }),

/***/ 855:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.judge = judge;
const annotations_1 = __nccwpck_require__(7488);
const badge_1 = __nccwpck_require__(7889);
const metrics_1 = __nccwpck_require__(2823);
const percent_1 = __nccwpck_require__(2571);
const report_1 = __nccwpck_require__(4874);
const formats_1 = __nccwpck_require__(7394);
const sticky_comment_1 = __nccwpck_require__(6383);
function judge(input) {
    const { figures, changed } = input;
    const { totals, headline } = figures;
    const diff = changed.diff;
    const checks = (0, metrics_1.evaluate)({
        totals,
        headline,
        thresholds: input.thresholds,
        diff: diff?.ratio,
        diffUnavailable: changed.diffNote,
        baseline: input.baseline,
    });
    const passed = checks.every((check) => check.passed);
    const report = {
        passed,
        checks,
        totals,
        headline,
        diff,
        diffBase: changed.diffBase,
        diffNote: changed.diffNote,
        baseline: input.baseline,
        reports: input.reports.map((file) => ({ name: file.name, format: formats_1.FORMAT_NAMES[file.format] })),
    };
    const plan = input.annotate && diff && diff.uncovered.length > 0
        ? (0, annotations_1.planAnnotations)(diff.uncovered, input.warningsIssued)
        : undefined;
    return {
        passed,
        conclusion: passed
            ? `Coverage gate passed: ${headline.value ? `${(0, percent_1.formatExact)(headline.value)}%` : 'nothing measured'} (${headline.basis}).`
            : failureMessage(checks),
        notes: checks.flatMap((check) => (check.passed && check.message ? [check.message] : [])),
        report,
        outputs: {
            coverage: headline.value ? (0, percent_1.formatExact)(headline.value) : '',
            line: (0, percent_1.formatRatio)(totals.lines),
            branch: totals.branches ? (0, percent_1.formatRatio)(totals.branches) : '',
            function: totals.functions ? (0, percent_1.formatRatio)(totals.functions) : '',
            diff: diff && diff.ratio.total > 0 ? (0, percent_1.formatRatio)(diff.ratio) : '',
            passed: String(passed),
        },
        summaryFile: { path: input.summaryFile, commit: input.commit },
        badge: input.badge ? { path: input.badge, svg: (0, badge_1.coverageBadge)(headline.value) } : undefined,
        jobSummary: (0, report_1.renderReport)(report, report_1.REPORT_HEADING, report_1.fitsSummary),
        annotations: plan?.annotations ?? [],
        omitted: plan && (0, annotations_1.omittedNote)(plan, input.warningsIssued),
        comment: planComment(input.comment, report),
    };
}
function failureMessage(checks) {
    return checks
        .filter((check) => !check.passed)
        .map((check) => check.message ?? check.label)
        .join('\n');
}
function planComment(request, report) {
    if (request.mode === 'off')
        return { kind: 'off' };
    if (!request.pullRequest)
        return { kind: 'not-a-pull-request' };
    const marker = (0, sticky_comment_1.commentMarker)(request.workflow, request.job, request.id);
    const text = (0, report_1.renderReport)(report, (0, report_1.commentHeading)(request.id), (body) => (0, sticky_comment_1.markedBody)(body, marker).length < report_1.COMMENT_LIMIT_CHARS, report_1.COMMENT_LISTS);
    return {
        kind: 'write',
        pullRequest: request.pullRequest,
        marker,
        text,
        // comment: on-failure only refreshes an old comment while the gate passes.
        createNew: request.mode !== 'on-failure' || !report.passed,
    };
}


/***/ }),

/***/ 2577:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
// Imported first by every main entry: a main step on a Node.js older than the bundles need
// fails at once, before any other module of the bundle is evaluated.
const node_version_1 = __nccwpck_require__(5109);
(0, node_version_1.stopOnOldNode)('main');


/***/ }),

/***/ 5797:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.logOf = logOf;
exports.createContext = createContext;
// What every action's main and post are handed: the runner's channels and the outside world,
// built once by the step runner (step.ts). Logic takes the parts it needs; tests build their
// own context with `testContext` (context-testing.ts).
const node_fs_1 = __nccwpck_require__(3024);
const http_1 = __nccwpck_require__(6004);
const outside_text_1 = __nccwpck_require__(6725);
const process_1 = __nccwpck_require__(9035);
const retry_1 = __nccwpck_require__(4280);
/**
 * The step's log over the runner's channels. A plain line may quote outside text (a path, a
 * server's answer): it is cut at `\r` and `\n` and made inert (outside-text.ts). Annotations
 * are escaped by the runner protocol itself.
 */
function logOf(runner) {
    return {
        info: (message) => {
            for (const line of (0, outside_text_1.inertLines)(message))
                runner.info(line);
        },
        debug: (message) => runner.debug(message),
        notice: (message) => runner.notice(message),
        warning: (message) => runner.warning(message),
        error: (message) => runner.error(message),
        group: (title, work) => runner.group(title, work),
    };
}
function readEventPayload(file) {
    if (!file || !(0, node_fs_1.existsSync)(file))
        return {};
    try {
        return JSON.parse((0, node_fs_1.readFileSync)(file, 'utf8'));
    }
    catch {
        return {};
    }
}
/** The context of a real step: the process's environment and the real world. */
function createContext(runner, env = process.env) {
    let event;
    return {
        runner,
        log: logOf(runner),
        summary: runner.summary,
        clock: retry_1.systemClock,
        http: http_1.fetchHttpClient,
        exec: process_1.runProcess,
        env,
        get event() {
            return (event ??= readEventPayload(env.GITHUB_EVENT_PATH));
        },
    };
}


/***/ }),

/***/ 3788:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseDuration = parseDuration;
exports.formatDuration = formatDuration;
const errors_1 = __nccwpck_require__(9223);
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** The longest wait a timer can hold (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_DURATION_MS = 2 ** 31 - 1;
/**
 * Parses a duration as the whole suite writes them: plain seconds (`90`), or numbers with a
 * unit, possibly combined (`90s`, `15m`, `1h`, `1m30s`, `500ms`). Returns milliseconds, at
 * most MAX_DURATION_MS: a longer one is the user's mistake, not a wait of 1 ms.
 */
function parseDuration(input, raw) {
    const ms = parseAnyDuration(input, raw);
    if (ms > MAX_DURATION_MS) {
        throw new errors_1.ConfigurationError(input, `'${raw}' is longer than a step can wait: give at most 596h (about 24.8 days).`);
    }
    return ms;
}
function parseAnyDuration(input, raw) {
    const text = raw.trim();
    if (/^\d+(\.\d+)?$/.test(text))
        return Math.round(Number(text) * 1000);
    const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
    let total = 0;
    let end = 0;
    for (let match = part.exec(text); match; match = part.exec(text)) {
        total += Number(match[1]) * UNIT_MS[match[2]];
        end = part.lastIndex;
    }
    if (text === '' || end !== text.length) {
        throw new errors_1.ConfigurationError(input, `'${raw}' is not a duration. Write seconds (90) or a number with a unit: 90s, 15m, 1h, 1m30s, 500ms.`);
    }
    return Math.round(total);
}
/** Renders milliseconds for people: `850ms`, `12.3s`, `4m 05s`, `1h 02m`. */
function formatDuration(ms) {
    if (ms < 1000)
        return `${Math.round(ms)}ms`;
    if (ms < 60_000)
        return `${(ms / 1000).toFixed(1)}s`;
    const totalSeconds = Math.round(ms / 1000);
    const hours = Math.floor(totalSeconds / 3600);
    const minutes = Math.floor((totalSeconds % 3600) / 60);
    const seconds = totalSeconds % 60;
    const pad = (n) => String(n).padStart(2, '0');
    return hours > 0 ? `${hours}h ${pad(minutes)}m` : `${minutes}m ${pad(seconds)}s`;
}


/***/ }),

/***/ 9223:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ActionFailure = exports.ConfigurationError = void 0;
exports.errorMessage = errorMessage;
/**
 * A mistake in what the user wrote in the workflow. Its message names the input and says
 * how to fix it; it is reported as is, without a stack trace. Every other error is a bug
 * or an outside failure and is reported with its stack in the debug log.
 */
class ConfigurationError extends Error {
    input;
    constructor(input, problem) {
        super(`Input '${input}': ${problem}`);
        this.input = input;
        this.name = 'ConfigurationError';
    }
}
exports.ConfigurationError = ConfigurationError;
/** Something outside the user's workflow failed (a server, the network); no stack is useful. */
class ActionFailure extends Error {
    constructor(message) {
        super(message);
        this.name = 'ActionFailure';
    }
}
exports.ActionFailure = ActionFailure;
function errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
}


/***/ }),

/***/ 1954:
/***/ ((__unused_webpack_module, exports) => {


// Glob patterns as workflows write them (`**/coverage/lcov.info`, `reports/*.xml`,
// `{a,b}.out`, `build/**/*.js`), matched against relative paths with forward slashes.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.globToRegExp = globToRegExp;
exports.isGlob = isGlob;
exports.literalPrefix = literalPrefix;
/** A regular expression matching exactly the paths the glob matches. */
function globToRegExp(glob) {
    let source = '';
    let braces = 0;
    for (let i = 0; i < glob.length; i++) {
        const char = glob[i];
        if (char === '*') {
            if (glob[i + 1] === '*') {
                const slashAfter = glob[i + 2] === '/';
                const atSegmentStart = i === 0 || glob[i - 1] === '/';
                if (atSegmentStart && slashAfter) {
                    source += '(?:[^/]*/)*';
                    i += 2;
                }
                else {
                    source += '.*';
                    i += 1;
                }
            }
            else {
                source += '[^/]*';
            }
        }
        else if (char === '?') {
            source += '[^/]';
        }
        else if (char === '[') {
            const close = glob.indexOf(']', i + 1);
            if (close < 0) {
                source += '\\[';
            }
            else {
                const body = glob
                    .slice(i + 1, close)
                    .replace(/^!/, '^')
                    .replace(/\\/g, '\\\\');
                source += `[${body}]`;
                i = close;
            }
        }
        else if (char === '{') {
            braces++;
            source += '(?:';
        }
        else if (char === '}' && braces > 0) {
            braces--;
            source += ')';
        }
        else if (char === ',' && braces > 0) {
            source += '|';
        }
        else {
            source += char.replace(/[.+^$|()\\]/g, '\\$&').replace(/[{}]/g, '\\$&');
        }
    }
    return new RegExp(`^${source}$`);
}
function isGlob(pattern) {
    return /[*?[{]/.test(pattern);
}
/** The folder before the first wildcard: where a walk for the pattern can start. */
function literalPrefix(pattern) {
    const parts = pattern.split('/');
    const fixed = [];
    for (const part of parts.slice(0, -1)) {
        if (isGlob(part))
            break;
        fixed.push(part);
    }
    return fixed.join('/');
}


/***/ }),

/***/ 6004:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.fetchHttpClient = exports.HttpStatusError = exports.NoResponseError = void 0;
exports.isTransientStatus = isTransientStatus;
exports.expectSuccess = expectSuccess;
exports.classifyHttpError = classifyHttpError;
exports.proxyFor = proxyFor;
const node_net_1 = __nccwpck_require__(7030);
const errors_1 = __nccwpck_require__(9223);
const outside_text_1 = __nccwpck_require__(6725);
const retry_1 = __nccwpck_require__(4280);
/** No HTTP answer arrived: refused, reset, unresolvable, or timed out. */
class NoResponseError extends Error {
    constructor(origin, cause) {
        super(`no response from ${origin} (${cause})`);
        this.name = 'NoResponseError';
    }
}
exports.NoResponseError = NoResponseError;
/** An HTTP answer that is not a success. The message never carries the request's URL. */
class HttpStatusError extends Error {
    status;
    retryAfterMs;
    constructor(status, message, retryAfterMs) {
        super(message);
        this.status = status;
        this.retryAfterMs = retryAfterMs;
        this.name = 'HttpStatusError';
    }
}
exports.HttpStatusError = HttpStatusError;
function isTransientStatus(status) {
    return status === 429 || status >= 500;
}
/** Raises an HttpStatusError for a non-2xx response; `what` names the request for people. */
function expectSuccess(response, what, nowMs = Date.now()) {
    if (response.status >= 200 && response.status < 300)
        return response;
    const retryAfterMs = (0, retry_1.parseRetryAfter)(response.header('retry-after'), nowMs);
    const detail = serverMessage(response.body);
    throw new HttpStatusError(response.status, `${what} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`, retryAfterMs);
}
/** Retry when nothing arrived or the server said it is busy or broken; never on other 4xx. */
function classifyHttpError(error) {
    if (error instanceof NoResponseError)
        return { retry: true, reason: error.message };
    if (error instanceof HttpStatusError && isTransientStatus(error.status)) {
        return { retry: true, reason: error.message, afterMs: error.retryAfterMs };
    }
    return { retry: false };
}
/**
 * A short message from an error body, when it is JSON with a `message` (Render, GitHub): the
 * server's text, so made inert (outside-text.ts) before it goes into any message.
 */
function serverMessage(body) {
    try {
        const parsed = JSON.parse(body);
        if (parsed && typeof parsed === 'object' && 'message' in parsed) {
            return (0, outside_text_1.inertInline)(String(parsed.message).slice(0, 300));
        }
    }
    catch {
        // Not JSON: the status says enough.
    }
    return '';
}
// Proxies, as self-hosted runners behind one set them and as the runner itself and
// @actions/http-client read them: `https_proxy`/`HTTPS_PROXY` for https URLs and
// `http_proxy`/`HTTP_PROXY` for http ones (the lower-case name first), never for a loopback
// host, and not for a host `no_proxy`/`NO_PROXY` names. A request through a proxy goes in a
// CONNECT tunnel, https and http alike, so the proxy sees the host and port but never the
// path, the query (a deploy hook's key) or the headers (an API key).
/** The proxy for a request to `target`, or undefined to go direct. */
function proxyFor(target, env) {
    if (isLoopback(target.hostname) || bypassesProxy(target, env.no_proxy || env.NO_PROXY || '')) {
        return undefined;
    }
    const secure = target.protocol === 'https:';
    const name = secure
        ? env.https_proxy
            ? 'https_proxy'
            : 'HTTPS_PROXY'
        : env.http_proxy
            ? 'http_proxy'
            : 'HTTP_PROXY';
    const setting = env[name]?.trim();
    if (!setting)
        return undefined;
    let proxy;
    try {
        proxy = new URL(setting.includes('://') ? setting : `http://${setting}`);
    }
    catch {
        proxy = undefined;
    }
    if (!proxy || (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') || !proxy.hostname) {
        // The value is not repeated: a proxy URL may carry a password.
        throw new errors_1.ActionFailure(`${name} is not a proxy URL: write http://host:port (or http://user:password@host:port).`);
    }
    return proxy;
}
function isLoopback(hostname) {
    const host = hostname.toLowerCase();
    return (host === 'localhost' ||
        host.startsWith('127.') ||
        host === '[::1]' ||
        host === '[0:0:0:0:0:0:0:1]');
}
/** NO_PROXY: comma-separated `*`, hosts, domains (with their subdomains) and `host:port`s. */
function bypassesProxy(target, noProxy) {
    const port = target.port || (target.protocol === 'https:' ? '443' : '80');
    const host = target.hostname.toUpperCase();
    const names = [host, `${host}:${port}`];
    return noProxy
        .split(',')
        .map((entry) => entry.trim().toUpperCase())
        .filter(Boolean)
        .some((entry) => entry === '*' ||
        names.some((name) => name === entry ||
            name.endsWith(`.${entry}`) ||
            (entry.startsWith('.') && name.endsWith(entry))));
}
/** HttpClient over Node's own fetch, or through a CONNECT tunnel where a proxy applies. */
const fetchHttpClient = async (request) => {
    const target = new URL(request.url);
    const proxy = proxyFor(target, process.env);
    if (proxy)
        return tunnelledRequest(request, target, proxy);
    const origin = target.origin;
    let response;
    let body;
    try {
        response = await fetch(request.url, {
            method: request.method,
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(request.timeoutMs),
        });
        body = await response.text();
    }
    catch (error) {
        throw new NoResponseError(origin, describeFetchError(error));
    }
    return { status: response.status, header: (name) => response.headers.get(name), body };
};
exports.fetchHttpClient = fetchHttpClient;
function describeFetchError(error) {
    if (error instanceof Error) {
        if (error.name === 'TimeoutError')
            return 'timed out';
        const cause = error.cause;
        return cause?.code ?? cause?.message ?? error.message;
    }
    return String(error);
}
/** One request in a tunnel of its own through `proxy`; the whole exchange within its timeout. */
async function tunnelledRequest(request, target, proxy) {
    const signal = AbortSignal.timeout(request.timeoutMs);
    const via = `${target.origin} through the proxy at ${proxy.host}`;
    let tunnel;
    try {
        // Loaded here, not at start: https and tls alone add about 25 ms to every step's start.
        const [http, https, tls] = await Promise.all([
            Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 7067, 23)),
            Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 4708, 23)),
            Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 1692, 23)),
        ]);
        const requestOver = (url) => url.protocol === 'https:' ? https.request : http.request;
        tunnel = await openTunnel(target, proxy, requestOver(proxy), signal);
        const opened = tunnel;
        signal.addEventListener('abort', () => opened.destroy(), { once: true });
        const secure = target.protocol === 'https:';
        const hostname = bareHostname(target);
        const socket = secure
            ? tls.connect({ socket: tunnel, servername: (0, node_net_1.isIP)(hostname) ? undefined : hostname })
            : tunnel;
        const send = requestOver(target);
        const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
        const defaultPort = secure ? 443 : 80;
        const sent = send({
            protocol: target.protocol,
            hostname,
            port: target.port || defaultPort,
            // Keeps the port out of the Host header when it is the scheme's own.
            defaultPort,
            path: `${target.pathname}${target.search}`,
            method: request.method,
            headers: {
                ...request.headers,
                ...(body ? { 'Content-Length': String(body.length) } : {}),
                Connection: 'close',
            },
            createConnection: () => socket,
            signal,
        });
        const answer = await exchange(sent, body);
        return {
            status: answer.response.statusCode ?? 0,
            header: (name) => {
                const value = answer.response.headers[name.toLowerCase()];
                return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
            body: answer.body,
        };
    }
    catch (error) {
        if (error instanceof ProxyRefusal)
            throw new NoResponseError(via, error.message);
        throw new NoResponseError(via, signal.aborted ? 'timed out' : describeSocketError(error));
    }
    finally {
        tunnel?.destroy();
    }
}
/** The proxy answered CONNECT with something other than 200. */
class ProxyRefusal extends Error {
}
function openTunnel(target, proxy, send, signal) {
    const authority = `${target.hostname}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`;
    const credentials = proxy.username || proxy.password
        ? `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
        : undefined;
    const connect = send({
        host: bareHostname(proxy),
        port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
        method: 'CONNECT',
        path: authority,
        headers: {
            Host: authority,
            ...(credentials
                ? { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` }
                : {}),
        },
        agent: false,
        signal,
    });
    return new Promise((resolve, reject) => {
        connect.once('connect', (response, socket) => {
            if (response.statusCode === 200)
                return resolve(socket);
            socket.destroy();
            reject(new ProxyRefusal(`the proxy answered CONNECT with HTTP ${response.statusCode}`));
        });
        connect.once('error', reject);
        connect.end();
    });
}
function exchange(sent, body) {
    return new Promise((resolve, reject) => {
        sent.once('response', (response) => {
            const chunks = [];
            response.on('data', (chunk) => chunks.push(chunk));
            response.once('end', () => resolve({ response, body: Buffer.concat(chunks).toString('utf8') }));
            response.once('error', reject);
        });
        sent.once('error', reject);
        sent.end(body);
    });
}
/** A URL's host name without the brackets of an IPv6 address. */
function bareHostname(url) {
    return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
function describeSocketError(error) {
    if (error instanceof Error)
        return error.code ?? error.message;
    return String(error);
}


/***/ }),

/***/ 9153:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseBoolean = parseBoolean;
exports.parsePositiveDuration = parsePositiveDuration;
exports.parseInteger = parseInteger;
exports.parseList = parseList;
exports.parseLines = parseLines;
exports.parseUrl = parseUrl;
const errors_1 = __nccwpck_require__(9223);
const duration_1 = __nccwpck_require__(3788);
// Converters from an input's raw text to a typed value. They take the input's name so their
// errors can name it; only each action's inputs.ts reads the raw text from the runner.
const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];
function parseBoolean(input, raw) {
    const text = raw.trim().toLowerCase();
    if (TRUE.includes(text))
        return true;
    if (FALSE.includes(text))
        return false;
    throw new errors_1.ConfigurationError(input, `'${raw}' is not a boolean. Use true or false.`);
}
function parsePositiveDuration(input, raw) {
    const ms = (0, duration_1.parseDuration)(input, raw);
    if (ms <= 0)
        throw new errors_1.ConfigurationError(input, 'must be longer than zero.');
    return ms;
}
function parseInteger(input, raw, min, max) {
    const text = raw.trim();
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
        throw new errors_1.ConfigurationError(input, `'${raw}' must be a whole number from ${min} to ${max}.`);
    }
    return value;
}
/** Splits a list written one item a line or comma-separated; blank items are dropped. */
function parseList(raw, separators = /[\n,]/) {
    return raw
        .split(separators)
        .map((item) => item.trim())
        .filter((item) => item !== '');
}
/** One item a line; blank lines and `#` comment lines dropped. Items may hold commas. */
function parseLines(raw) {
    return parseList(raw, /\n/).filter((line) => !line.startsWith('#'));
}
function parseUrl(input, raw, protocols = ['http:', 'https:']) {
    let url;
    try {
        url = new URL(raw.trim());
    }
    catch {
        throw new errors_1.ConfigurationError(input, 'is not a URL. Write it in full, e.g. https://host/path.');
    }
    if (!protocols.includes(url.protocol)) {
        throw new errors_1.ConfigurationError(input, `must be an ${protocols.join(' or ')} URL.`);
    }
    return url;
}


/***/ }),

/***/ 7624:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.secretForms = secretForms;
exports.maskSecret = maskSecret;
/** Lines shorter than this are not masked on their own: masking `}` would garble every log. */
const MIN_LINE_LENGTH = 6;
/**
 * The forms in which a secret could reach a log: the value itself, each line of a multi-line
 * value (the runner matches masks line by line), and its URL-encoded form.
 */
function secretForms(value) {
    const forms = new Set();
    const add = (form) => {
        if (form.trim() !== '')
            forms.add(form);
    };
    add(value);
    if (value.includes('\n')) {
        for (const line of value.split(/\r?\n/)) {
            if (line.trim().length >= MIN_LINE_LENGTH)
                add(line.trim());
        }
    }
    const encoded = encodeURIComponent(value);
    if (encoded !== value)
        add(encoded);
    return [...forms];
}
/** Registers every form of `value` with `addMask`, and returns the value for chaining. */
function maskSecret(value, addMask) {
    for (const form of secretForms(value))
        addMask(form);
    return value;
}


/***/ }),

/***/ 5109:
/***/ ((__unused_webpack_module, exports) => {


// The oldest Node.js the bundles run on. The runner starts node24 actions on its own Node.js 24;
// `act` (and runners like it) start the `node` of the job's image, and on an older one a bundle
// used to fail far from the cause, as "fetch is not defined". The bundles run on Node.js 20 and
// later (action-tests/repository/node-version.test.ts starts every entry on 20 and on 16), so
// act's default images, whose node is 20, keep working. Every entry imports
// check-node-main.ts or check-node-post.ts first, so this runs before any other module of the
// bundle is evaluated: it imports nothing, and the bundles keep to syntax Node.js 16 parses.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.MINIMUM_NODE_MAJOR = void 0;
exports.oldNodeCommand = oldNodeCommand;
exports.stopOnOldNode = stopOnOldNode;
exports.MINIMUM_NODE_MAJOR = 20;
/** The runner's escaping of a command's message: `%`, CR and LF would end or garble it. */
function escapeMessage(text) {
    return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
/**
 * The workflow command that stops a step started by Node.js `found`, or undefined when that
 * Node.js is recent enough. A main step fails; a post step warns, as every post step does.
 */
function oldNodeCommand(found, stage) {
    const major = Number.parseInt(found, 10);
    // A version that does not parse is let through: only a known old one is stopped.
    if (!(major < exports.MINIMUM_NODE_MAJOR))
        return undefined;
    const minimum = exports.MINIMUM_NODE_MAJOR;
    const message = `This action needs Node.js ${minimum} or later, ` +
        `but the ${stage === 'main' ? 'step' : 'post step'} was started by Node.js ${found}` +
        `${stage === 'main' ? '' : ': it did nothing'}. ` +
        `Under act, run the job in an image whose node is ${minimum} or later: ` +
        `act -P ubuntu-latest=catthehacker/ubuntu:act-latest (pull it again if your copy is older). ` +
        `On a self-hosted runner, update the runner: from v2.327.1 it runs these node24 actions on its own Node.js 24.`;
    return `::${stage === 'main' ? 'error' : 'warning'}::${escapeMessage(message)}\n`;
}
/** Ends the process at once when this Node.js is too old: exit code 1 for main, 0 for post. */
function stopOnOldNode(stage) {
    const command = oldNodeCommand(process.versions.node, stage);
    if (command === undefined)
        return;
    // Synchronous on a pipe or file on Linux, so nothing is lost by exiting right after.
    process.stdout.write(command);
    process.exit(stage === 'main' ? 1 : 0);
}


/***/ }),

/***/ 6725:
/***/ ((__unused_webpack_module, exports) => {


// Text that comes from outside the workflow (a server's output, a registry's or an API's
// answer, a report, a file name) printed so that no part of it can act as a workflow command.
//
// The runner reads a line as a command when, after leading white space, it starts with `::`
// (`::add-mask::`, `::set-output::`, `::error::`...), and it still runs the older `##[name]`
// form; it cuts lines at `\r` as well as `\n`. So outside text is cut into lines at both, and
// a zero-width space (U+200B, not white space to the runner) goes between the two colons of a
// leading `::` and between `##` and `[`: the text reads the same and is inert. Long outputs
// can instead go between `::stop-commands::` markers with a fresh token (shared/process.ts,
// ssh-redeploy's host-log.ts); this is for text mixed with the action's own lines.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.inertLines = inertLines;
exports.inertInline = inertInline;
const ZERO_WIDTH_SPACE = '\u200b';
const LINE_BREAK = /\r\n|\r|\n/;
/** One line (no line break in it) made inert. */
function inertLine(line) {
    return line
        .replace(/^(\s*:)(:)/, `$1${ZERO_WIDTH_SPACE}$2`)
        .replace(/##\[/g, `##${ZERO_WIDTH_SPACE}[`);
}
/** Outside text as the lines to print, each inert; `\r` ends a line as `\n` does. */
function inertLines(text) {
    return text.split(LINE_BREAK).map(inertLine);
}
/**
 * Outside text to print within one line of the action's own (an id, a path, a message from a
 * server): line breaks shown as `\r` and `\n`, and nothing in it a command.
 */
function inertInline(text) {
    return inertLine(text.replace(/\r/g, '\\r').replace(/\n/g, '\\n'));
}


/***/ }),

/***/ 9035:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.runProcess = void 0;
// child_process and crypto are loaded at the first program a step runs, not at its start: a
// step that runs none (a post step with nothing left to undo) starts about 10 ms sooner.
const childProcess = () => process.getBuiltinModule('node:child_process');
const randomToken = () => process.getBuiltinModule('node:crypto').randomBytes(16).toString('hex');
/** Runs a program to its end and collects its output; never rejects once it is spawned. */
const runProcess = (file, args, options = {}) => new Promise((resolve) => {
    const { spawn } = childProcess();
    // stdout and stderr are always pipes; stdin is one only when there is input.
    const child = spawn(file, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        // With a time limit, a process group of its own: the kill then reaches what the program
        // started too (git's remote helper, say), which would otherwise hold the pipes open.
        detached: options.timeoutMs !== undefined,
    });
    let stdout = '';
    let stderr = '';
    let error;
    let timedOut = false;
    const token = options.stream ? randomToken() : '';
    const keep = (text, chunk) => options.keepChars === undefined ? text + chunk : (text + chunk).slice(-options.keepChars);
    if (options.stream)
        process.stdout.write(`::stop-commands::${token}\n`);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
        stdout = keep(stdout, chunk);
        if (options.stream)
            process.stdout.write(chunk);
        options.onOutput?.(chunk, 'stdout');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
        stderr = keep(stderr, chunk);
        if (options.stream)
            process.stdout.write(chunk);
        options.onOutput?.(chunk, 'stderr');
    });
    const timer = options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            try {
                if (child.pid !== undefined)
                    process.kill(-child.pid, 'SIGKILL');
            }
            catch {
                child.kill('SIGKILL');
            }
        }, options.timeoutMs);
    child.on('error', (spawnError) => {
        error = spawnError;
    });
    // 'close' follows 'error' too, once the streams are done: the output is whole by then.
    child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (options.stream)
            process.stdout.write(`\n::${token}::\n`);
        resolve({ code: error ? null : code, signal, stdout, stderr, error, timedOut });
    });
    if (child.stdin) {
        // A program that exits without reading its input must not fail the step with EPIPE.
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.input);
    }
});
exports.runProcess = runProcess;


/***/ }),

/***/ 4280:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.systemClock = void 0;
exports.backoffDelay = backoffDelay;
exports.parseRetryAfter = parseRetryAfter;
exports.withRetry = withRetry;
exports.systemClock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
/**
 * Exponential backoff with "equal jitter": the delay before retry `n` (0-based) lies between
 * half and all of min(max, initial * 2^n), so clients that failed together spread out but
 * never retry at once.
 */
function backoffDelay(retry, policy, random = Math.random) {
    const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** retry);
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
/** Reads a `Retry-After` header: delay-seconds or an HTTP date. Undefined when absent or unreadable. */
function parseRetryAfter(header, nowMs) {
    if (!header)
        return undefined;
    const text = header.trim();
    if (/^\d+$/.test(text))
        return Number(text) * 1000;
    const date = Date.parse(text);
    return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
/** Runs `operation` until it succeeds, its error is not retryable, or attempts or time run out. */
async function withRetry(operation, options) {
    for (let attempt = 1;; attempt++) {
        try {
            return await operation(attempt);
        }
        catch (error) {
            const decision = options.classify(error);
            if (!decision.retry || attempt >= options.attempts)
                throw error;
            const delayMs = decision.afterMs ?? backoffDelay(attempt - 1, options.backoff, options.random);
            if (options.deadline !== undefined && options.clock.now() + delayMs > options.deadline) {
                throw error;
            }
            options.onRetry?.({ attempt, delayMs, reason: decision.reason });
            await options.clock.sleep(delayMs);
        }
    }
}


/***/ }),

/***/ 4266:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.githubRunner = void 0;
exports.runnerFor = runnerFor;
// The runner protocol: how a step reads its inputs and hands back outputs, state, masks,
// messages and its summary. Two implementations of one interface:
//
// - `githubRunner`, used whenever the step runs as a step of a job (the runner and `act` set
//   GITHUB_ACTIONS=true): built on @actions/core's command modules (`lib/command`,
//   `lib/file-command`, `lib/summary`) rather than its index, which loads an HTTP client
//   (undici, for OIDC tokens) at start-up and more than doubles the time a bundle takes to
//   start; see CONTRIBUTING.md. `runner-internals.test.ts` fails with a clear message when a
//   new @actions/core moves those modules.
// - `coreRunner`, used when an action runs from source outside a job, as
//   `@github/local-action` runs it: @actions/core's public API, which local-action replaces
//   with its own stand-in that shows the outputs, state and summary. The bundles never load it.
const node_module_1 = __nccwpck_require__(8995);
const command_1 = __nccwpck_require__(4914);
const file_command_1 = __nccwpck_require__(4753);
const summary_1 = __nccwpck_require__(1847);
function fileCommand(variable, command, name, value) {
    if (!process.env[variable]) {
        throw new Error(`${variable} is not set: this must run as a step of a GitHub Actions job.`);
    }
    (0, file_command_1.issueFileCommand)(command, (0, file_command_1.prepareKeyValueMessage)(name, value));
}
function inputVariable(name) {
    return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}
exports.githubRunner = {
    getInput: (name) => (process.env[inputVariable(name)] ?? '').trim(),
    setSecret: (value) => (0, command_1.issueCommand)('add-mask', {}, value),
    setOutput: (name, value) => fileCommand('GITHUB_OUTPUT', 'OUTPUT', name, value),
    saveState: (name, value) => fileCommand('GITHUB_STATE', 'STATE', name, value),
    getState: (name) => process.env[`STATE_${name}`] ?? '',
    exportVariable(name, value) {
        process.env[name] = value;
        fileCommand('GITHUB_ENV', 'ENV', name, value);
    },
    info: (message) => void process.stdout.write(`${message}\n`),
    debug: (message) => (0, command_1.issueCommand)('debug', {}, message),
    notice: (message) => (0, command_1.issueCommand)('notice', {}, message),
    warning: (message) => (0, command_1.issueCommand)('warning', {}, message),
    error: (message) => (0, command_1.issueCommand)('error', {}, message),
    annotate(level, message, place) {
        (0, command_1.issueCommand)(level, { file: place.file, line: place.line, endLine: place.endLine, title: place.title }, message);
    },
    async group(title, work) {
        (0, command_1.issue)('group', title);
        try {
            return await work();
        }
        finally {
            (0, command_1.issue)('endgroup');
        }
    },
    setFailed(message) {
        process.exitCode = 1;
        (0, command_1.issueCommand)('error', {}, message);
    },
    summary: summary_1.summary,
};
/**
 * The runner protocol through @actions/core's public API. `createRequire` keeps ncc from
 * bundling @actions/core's index (and its HTTP client) into dist/, and goes through Node's
 * module loader, where local-action puts its stand-in.
 */
function coreRunner() {
    let core;
    try {
        core = (0, node_module_1.createRequire)(__filename)('@actions/core');
    }
    catch {
        throw new Error('This is not a step of a GitHub Actions job (GITHUB_ACTIONS is not true), and there is no ' +
            '@actions/core to run it from source with: run it in a workflow, with act, or from the ' +
            'repository with `npm run local -- <action>`.');
    }
    return {
        getInput: (name) => core.getInput(name).trim(),
        setSecret: (value) => core.setSecret(value),
        setOutput: (name, value) => core.setOutput(name, value),
        saveState: (name, value) => core.saveState(name, value),
        getState: (name) => core.getState(name),
        exportVariable: (name, value) => core.exportVariable(name, value),
        info: (message) => core.info(message),
        debug: (message) => core.debug(message),
        notice: (message) => core.notice(message),
        warning: (message) => core.warning(message),
        error: (message) => core.error(message),
        annotate: (level, message, place) => core[level](message, {
            file: place.file,
            startLine: place.line,
            endLine: place.endLine,
            title: place.title,
        }),
        group: (title, work) => core.group(title, work),
        setFailed: (message) => core.setFailed(message),
        summary: core.summary,
    };
}
/** The runner's own protocol in a job; @actions/core's (or local-action's stand-in) elsewhere. */
function runnerFor(env) {
    return env.GITHUB_ACTIONS === 'true' ? exports.githubRunner : coreRunner();
}


/***/ }),

/***/ 6254:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.runMainStep = runMainStep;
exports.runPostStep = runPostStep;
const context_1 = __nccwpck_require__(5797);
const errors_1 = __nccwpck_require__(9223);
const runner_1 = __nccwpck_require__(4266);
function contextOrFailure() {
    try {
        return (0, context_1.createContext)((0, runner_1.runnerFor)(process.env));
    }
    catch (error) {
        // Outside a job, with @actions/core missing: nothing to report through but the exit code.
        process.exitCode = 1;
        process.stderr.write(`${(0, errors_1.errorMessage)(error)}\n`);
        return undefined;
    }
}
function debugStack(runner, error) {
    runner.debug(error instanceof Error && error.stack ? error.stack : String(error));
}
/**
 * Runs a main step: the one place that turns an error into a failed step. The user's
 * mistakes and outside failures are reported by their message; anything else is a bug, and
 * its stack goes to the debug log. Resolves when the step is done; never rejects.
 */
async function runMainStep(main) {
    const ctx = contextOrFailure();
    if (!ctx)
        return;
    try {
        await main(ctx);
    }
    catch (error) {
        ctx.runner.setFailed((0, errors_1.errorMessage)(error));
        if (!(error instanceof errors_1.ConfigurationError || error instanceof errors_1.ActionFailure)) {
            debugStack(ctx.runner, error);
        }
    }
}
/** Runs a post step, which cleans up after main: it warns and never fails the job. */
async function runPostStep(post) {
    const ctx = contextOrFailure();
    if (!ctx)
        return;
    try {
        await post(ctx);
    }
    catch (error) {
        ctx.runner.warning(`Clean-up did not complete: ${(0, errors_1.errorMessage)(error)}`);
        debugStack(ctx.runner, error);
    }
}


/***/ }),

/***/ 2613:
/***/ ((module) => {

module.exports = require("assert");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = require("crypto");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = require("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = require("fs");

/***/ }),

/***/ 8611:
/***/ ((module) => {

module.exports = require("http");

/***/ }),

/***/ 5692:
/***/ ((module) => {

module.exports = require("https");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = require("net");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = require("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = require("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = require("node:buffer");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = require("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = require("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = require("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = require("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = require("node:events");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = require("node:fs");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = require("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = require("node:http2");

/***/ }),

/***/ 4708:
/***/ ((module) => {

module.exports = require("node:https");

/***/ }),

/***/ 8995:
/***/ ((module) => {

module.exports = require("node:module");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = require("node:net");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = require("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = require("node:perf_hooks");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = require("node:querystring");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = require("node:stream");

/***/ }),

/***/ 6193:
/***/ ((module) => {

module.exports = require("node:string_decoder");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = require("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = require("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = require("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = require("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = require("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = require("node:zlib");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = require("os");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = require("string_decoder");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = require("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = require("util");

/***/ })

/******/ 	});
/************************************************************************/
/******/ 	// The module cache
/******/ 	var __webpack_module_cache__ = {};
/******/ 	
/******/ 	// The require function
/******/ 	function __nccwpck_require__(moduleId) {
/******/ 		// Check if module is in cache
/******/ 		var cachedModule = __webpack_module_cache__[moduleId];
/******/ 		if (cachedModule !== undefined) {
/******/ 			return cachedModule.exports;
/******/ 		}
/******/ 		// Create a new module (and put it into the cache)
/******/ 		var module = __webpack_module_cache__[moduleId] = {
/******/ 			// no module.id needed
/******/ 			// no module.loaded needed
/******/ 			exports: {}
/******/ 		};
/******/ 	
/******/ 		// Execute the module function
/******/ 		var threw = true;
/******/ 		try {
/******/ 			__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 			threw = false;
/******/ 		} finally {
/******/ 			if(threw) delete __webpack_module_cache__[moduleId];
/******/ 		}
/******/ 	
/******/ 		// Return the exports of the module
/******/ 		return module.exports;
/******/ 	}
/******/ 	
/******/ 	// expose the modules object (__webpack_modules__)
/******/ 	__nccwpck_require__.m = __webpack_modules__;
/******/ 	
/************************************************************************/
/******/ 	/* webpack/runtime/asset-relocator-loader */
/******/ 	if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = __dirname + "/";
/******/ 	
/******/ 	/* webpack/runtime/create fake namespace object */
/******/ 	(() => {
/******/ 		var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 		var leafPrototypes;
/******/ 		// create a fake namespace object
/******/ 		// mode & 1: value is a module id, require it
/******/ 		// mode & 2: merge all properties of value into the ns
/******/ 		// mode & 4: return value when already ns object
/******/ 		// mode & 16: return value when it's Promise-like
/******/ 		// mode & 8|1: behave like require
/******/ 		__nccwpck_require__.t = function(value, mode) {
/******/ 			if(mode & 1) value = this(value);
/******/ 			if(mode & 8) return value;
/******/ 			if(typeof value === 'object' && value) {
/******/ 				if((mode & 4) && value.__esModule) return value;
/******/ 				if((mode & 16) && typeof value.then === 'function') return value;
/******/ 			}
/******/ 			var ns = Object.create(null);
/******/ 			__nccwpck_require__.r(ns);
/******/ 			var def = {};
/******/ 			leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 			for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 				Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 			}
/******/ 			def['default'] = () => (value);
/******/ 			__nccwpck_require__.d(ns, def);
/******/ 			return ns;
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/define property getters */
/******/ 	(() => {
/******/ 		// define getter functions for harmony exports
/******/ 		__nccwpck_require__.d = (exports, definition) => {
/******/ 			for(var key in definition) {
/******/ 				if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 					Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 				}
/******/ 			}
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/ensure chunk */
/******/ 	(() => {
/******/ 		__nccwpck_require__.f = {};
/******/ 		// This file contains only the entry chunk.
/******/ 		// The chunk loading function for additional chunks
/******/ 		__nccwpck_require__.e = (chunkId) => {
/******/ 			return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 				__nccwpck_require__.f[key](chunkId, promises);
/******/ 				return promises;
/******/ 			}, []));
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/get javascript chunk filename */
/******/ 	(() => {
/******/ 		// This function allow to reference async chunks
/******/ 		__nccwpck_require__.u = (chunkId) => {
/******/ 			// return url for filenames based on template
/******/ 			return "" + chunkId + ".index.js";
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/hasOwnProperty shorthand */
/******/ 	(() => {
/******/ 		__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/make namespace object */
/******/ 	(() => {
/******/ 		// define __esModule on exports
/******/ 		__nccwpck_require__.r = (exports) => {
/******/ 			if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 				Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 			}
/******/ 			Object.defineProperty(exports, '__esModule', { value: true });
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/require chunk loading */
/******/ 	(() => {
/******/ 		// no baseURI
/******/ 		
/******/ 		// object to store loaded chunks
/******/ 		// "1" means "loaded", otherwise not loaded yet
/******/ 		var installedChunks = {
/******/ 			792: 1
/******/ 		};
/******/ 		
/******/ 		// no on chunks loaded
/******/ 		
/******/ 		var installChunk = (chunk) => {
/******/ 			var moreModules = chunk.modules, chunkIds = chunk.ids, runtime = chunk.runtime;
/******/ 			for(var moduleId in moreModules) {
/******/ 				if(__nccwpck_require__.o(moreModules, moduleId)) {
/******/ 					__nccwpck_require__.m[moduleId] = moreModules[moduleId];
/******/ 				}
/******/ 			}
/******/ 			if(runtime) runtime(__nccwpck_require__);
/******/ 			for(var i = 0; i < chunkIds.length; i++)
/******/ 				installedChunks[chunkIds[i]] = 1;
/******/ 		
/******/ 		};
/******/ 		
/******/ 		// require() chunk loading for javascript
/******/ 		__nccwpck_require__.f.require = (chunkId, promises) => {
/******/ 			// "1" is the signal for "already loaded"
/******/ 			if(!installedChunks[chunkId]) {
/******/ 				if(true) { // all chunks have JS
/******/ 					installChunk(require("./" + __nccwpck_require__.u(chunkId)));
/******/ 				} else installedChunks[chunkId] = 1;
/******/ 			}
/******/ 		};
/******/ 		
/******/ 		// no external install chunk
/******/ 		
/******/ 		// no HMR
/******/ 		
/******/ 		// no HMR manifest
/******/ 	})();
/******/ 	
/************************************************************************/
var __webpack_exports__ = {};
// This entry need to be wrapped in an IIFE because it uses a non-standard name for the exports (exports).
(() => {
var exports = __webpack_exports__;

Object.defineProperty(exports, "__esModule", ({ value: true }));
__nccwpck_require__(2577);
const main_1 = __nccwpck_require__(4609);
void (0, main_1.run)();

})();

module.exports = __webpack_exports__;
/******/ })()
;