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

/***/ 5088:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.isIpv6 = isIpv6;
exports.formatHostPort = formatHostPort;
exports.parseHostPort = parseHostPort;
// `host:port` as people and programs write it: an IPv6 address goes in brackets (`[fd00::1]:22`),
// since its own colons would otherwise read as the port's.
const node_net_1 = __nccwpck_require__(7030);
function isIpv6(host) {
    return (0, node_net_1.isIP)(host) === 6;
}
/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
function formatHostPort(host, port) {
    const shown = isIpv6(host) ? `[${host}]` : host;
    return port === undefined ? shown : `${shown}:${port}`;
}
/**
 * Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (which cannot carry a
 * port). Undefined when the text has none of these shapes: brackets around something that is
 * not an IPv6 address, a port that is not 1-65535, an empty host. The host's own grammar is the
 * caller's to check.
 */
function parseHostPort(text) {
    let host;
    let portText;
    const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (bracketed) {
        [, host, portText] = bracketed;
        if (!isIpv6(host))
            return undefined;
    }
    else if (text.indexOf(':') !== text.lastIndexOf(':')) {
        if (!isIpv6(text))
            return undefined;
        host = text;
    }
    else {
        [host, portText] = text.split(':');
    }
    if (host === '' || /[[\]]/.test(host))
        return undefined;
    if (portText === undefined)
        return { host };
    if (!/^\d{1,5}$/.test(portText))
        return undefined;
    const port = Number(portText);
    return port >= 1 && port <= 65535 ? { host, port } : undefined;
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

/***/ 859:
/***/ ((__unused_webpack_module, exports) => {


// Docker image references, following the grammar of the distribution project's `reference`
// package: [registry[:port]/]path[:tag][@algorithm:hex].
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseImageReference = parseImageReference;
exports.formatImageReference = formatImageReference;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const DIGEST_LENGTHS = { sha256: 64, sha384: 96, sha512: 128 };
const MAX_NAME_LENGTH = 255;
/** Parses a reference; undefined when it is not one. */
function parseImageReference(text) {
    const match = REFERENCE.exec(text);
    if (!match)
        return undefined;
    const [, host, path, tag, digest] = match;
    let registry = host;
    let repository = path;
    // The first component is a registry only if it looks like a host; `user/app` is a Docker Hub path.
    if (registry !== undefined && !/[.:]|^localhost$|[A-Z]/.test(registry)) {
        repository = `${registry}/${repository}`;
        registry = undefined;
    }
    if ((registry ? registry.length + 1 : 0) + repository.length > MAX_NAME_LENGTH)
        return undefined;
    if (digest !== undefined) {
        const [algorithm, hex] = digest.split(':');
        const expected = DIGEST_LENGTHS[algorithm];
        if (expected !== undefined && hex.length !== expected)
            return undefined;
    }
    return { registry, repository, tag, digest };
}
function formatImageReference(reference) {
    const name = reference.registry
        ? `${reference.registry}/${reference.repository}`
        : reference.repository;
    return `${name}${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`;
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

/***/ 6834:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.EMPTY_CELL = void 0;
exports.escapeHtml = escapeHtml;
exports.tableRows = tableRows;
// The job summary is HTML, and @actions/core's table builder writes each cell as it is given:
// a host name, a service name or an error message holding `<` or `&` would be read as markup.
// It also writes an empty cell as a lone `<td>` with no `</td>`, which shifts the rest of the row.
/**
 * Text made safe to place in HTML, in an element or a quoted attribute (`href="..."`), where
 * it then reads exactly as written.
 */
function escapeHtml(text) {
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;');
}
/** Stands for a value that is not known or does not apply. */
exports.EMPTY_CELL = '-';
/**
 * The rows for `summary.addTable`: the first row is the header; text is escaped and an empty
 * cell is written as a dash, so that every cell is closed.
 */
function tableRows(rows) {
    return rows.map((row, index) => row.map((cell) => {
        const html = typeof cell === 'string' ? escapeHtml(cell) : cell.html;
        const data = html === '' ? exports.EMPTY_CELL : html;
        return index === 0 ? { data, header: true } : data;
    }));
}


/***/ }),

/***/ 1198:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Connector = void 0;
const ssh_1 = __nccwpck_require__(6951);
/**
 * Opens connections to the targets, through the jump host when there is one. The jump host
 * is connected once, on first need, and carries every target's connection.
 */
class Connector {
    settings;
    ctx;
    jump;
    open = new Set();
    /** The fingerprint of the key that logged in to each target (by label). */
    keysUsed = new Map();
    constructor(settings, ctx) {
        this.settings = settings;
        this.ctx = ctx;
    }
    async connect(target) {
        const proxy = this.settings.proxy;
        const dial = proxy
            ? async (host, port) => (await this.jumpHost(proxy)).dial(host, port)
            : undefined;
        const connection = await this.logged(target.label, (debug) => (0, ssh_1.connect)({ ...target, credentials: this.settings.credentials }, { ...this.connectionSettings(this.settings.hostKeys), debug }, this.ctx, dial));
        if (connection.keyFingerprint)
            this.keysUsed.set(target.label, connection.keyFingerprint);
        this.open.add(connection);
        return connection;
    }
    release(connection) {
        connection.close();
        this.open.delete(connection);
    }
    /** Closes whatever is still open, the jump host last. */
    async closeAll() {
        for (const connection of this.open)
            connection.close();
        this.open.clear();
        const jump = await this.jump?.catch(() => undefined);
        jump?.close();
    }
    jumpHost(proxy) {
        const settings = {
            ...this.connectionSettings(proxy.hostKeys),
            fingerprintInput: 'proxy-fingerprint',
        };
        this.jump ??= this.logged(proxy.endpoint.label, (debug) => (0, ssh_1.connect)(proxy.endpoint, { ...settings, debug }, this.ctx)).then((connection) => {
            this.ctx.log.info(`Connected to ${proxy.endpoint.label} (host key ${connection.hostKeyNote}).`);
            return connection;
        });
        return this.jump;
    }
    /**
     * With debug: true, collects a connection's log while it is made and prints it whole, in a
     * group of its own (groups cannot interleave), once it is made or has failed.
     */
    async logged(label, work) {
        if (!this.settings.debug)
            return work();
        const lines = [];
        let collecting = true;
        const print = () => {
            // What the connection says once it is made (every packet of the session) is not kept.
            collecting = false;
            return this.ctx.log.group(`Connection log: ${label}`, () => {
                // The lines quote the server (its version, its messages): info makes them inert.
                for (const line of lines)
                    this.ctx.log.info(line);
                return Promise.resolve();
            });
        };
        try {
            const connection = await work((line) => {
                if (collecting)
                    lines.push(line);
            });
            await print();
            return connection;
        }
        catch (error) {
            await print();
            throw error;
        }
    }
    connectionSettings(policy) {
        return {
            policy,
            connectTimeoutMs: this.settings.connectTimeoutMs,
            keepaliveIntervalMs: this.settings.keepaliveIntervalMs,
            retries: this.settings.retries,
        };
    }
}
exports.Connector = Connector;


/***/ }),

/***/ 7084:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseContainerName = parseContainerName;
exports.parseImage = parseImage;
exports.parsePorts = parsePorts;
exports.formatPort = formatPort;
exports.formatVolume = formatVolume;
exports.parseVolumes = parseVolumes;
exports.parseEnv = parseEnv;
exports.parseRunArgs = parseRunArgs;
exports.parseRestart = parseRestart;
exports.parseRegistry = parseRegistry;
// Container mode's inputs, each checked against a strict grammar: every value that reaches
// the server is both validated here and quoted in the deploy program's prelude.
const errors_1 = __nccwpck_require__(9223);
const host_port_1 = __nccwpck_require__(5088);
const image_reference_1 = __nccwpck_require__(859);
const input_values_1 = __nccwpck_require__(9153);
/** Docker's rule for container names; `-previous` is appended to it, so leave room. */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/;
function parseContainerName(raw) {
    if (!CONTAINER_NAME.test(raw)) {
        throw new errors_1.ConfigurationError('container', `'${raw}' is not a container name: start with a letter or digit, then letters, digits, '_', '.' or '-' (at most 100 characters).`);
    }
    return raw;
}
function parseImage(raw) {
    if (!(0, image_reference_1.parseImageReference)(raw)) {
        throw new errors_1.ConfigurationError('image', `'${raw}' is not an image reference. Write registry/name:tag or registry/name@sha256:<digest> (a digest, such as docker-build-push's image-ref output, pins exactly what was built).`);
    }
    return raw;
}
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
function portNumber(text) {
    if (!/^\d{1,5}$/.test(text))
        return undefined;
    const port = Number(text);
    return port >= 1 && port <= 65535 ? port : undefined;
}
/** `ports`: one mapping a line, `[ip:]host-port:container-port[/tcp|udp|sctp]`. */
function parsePorts(raw) {
    return (0, input_values_1.parseLines)(raw).map((line) => {
        const fail = () => new errors_1.ConfigurationError('ports', `'${line}' is not a port mapping. Write [ip:]host-port:container-port[/udp], one a line, e.g. 127.0.0.1:8050:8050 or 8080:80.`);
        const match = /^(?:(\[[^\]]+\]|[0-9.]+):)?(\d*):(\d+)(?:\/(tcp|udp|sctp))?$/.exec(line);
        if (!match)
            throw fail();
        const [, ipText, hostText, containerText, protocol] = match;
        let ip;
        if (ipText !== undefined) {
            ip = ipText.startsWith('[') ? ipText.slice(1, -1) : ipText;
            if (!(ipText.startsWith('[') ? (0, host_port_1.isIpv6)(ip) : IPV4.test(ip)))
                throw fail();
        }
        const hostPort = hostText === '' ? undefined : portNumber(hostText);
        const containerPort = portNumber(containerText);
        if ((hostText !== '' && hostPort === undefined) || containerPort === undefined)
            throw fail();
        return {
            ip,
            hostPort,
            containerPort,
            protocol: (protocol ?? 'tcp'),
        };
    });
}
function formatPort(port) {
    const ip = port.ip === undefined ? '' : `${(0, host_port_1.formatHostPort)(port.ip)}:`;
    return `${ip}${port.hostPort ?? ''}:${port.containerPort}/${port.protocol}`;
}
/** A mount as docker run --volume takes it. */
function formatVolume(volume) {
    return `${volume.source}:${volume.target}${volume.readOnly ? ':ro' : ''}`;
}
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** Absolute paths of plain characters, without `..`: docker -v splits on ':' and nothing else is needed. */
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._@%+=~/-]*$/;
function isAbsolutePath(text) {
    return ABSOLUTE_PATH.test(text) && !text.split('/').includes('..');
}
/** `volumes`: one a line, `volume-name-or-/path:/path-in-container[:ro|:rw]`. */
function parseVolumes(raw) {
    return (0, input_values_1.parseLines)(raw).map((line) => {
        const fail = (why) => new errors_1.ConfigurationError('volumes', `'${line}' ${why} Write name-or-/path:/path-in-container[:ro], one a line, e.g. notebooks:/home/jovyan/work.`);
        const parts = line.split(':');
        if (parts.length < 2 || parts.length > 3)
            throw fail('is not a volume mount.');
        const [source, target, mode] = parts;
        if (!VOLUME_NAME.test(source) && !isAbsolutePath(source)) {
            throw fail('does not start with a volume name or an absolute path (letters, digits and ._@%+=~/- only, no ..).');
        }
        if (!isAbsolutePath(target) || target === '/') {
            throw fail('has no absolute path inside the container (letters, digits and ._@%+=~/- only, no ..).');
        }
        if (mode !== undefined && mode !== 'ro' && mode !== 'rw')
            throw fail('has a mode other than ro or rw.');
        return { source, target, readOnly: mode === 'ro' };
    });
}
/**
 * `env`: `KEY=VALUE` lines, for docker's --env-file, which takes each line as it is (no quotes,
 * no expansion): so a value cannot span lines.
 */
function parseEnv(raw) {
    const entries = [];
    const seen = new Set();
    raw.split('\n').forEach((rawLine, index) => {
        const line = rawLine.replace(/\r$/, '');
        if (line.trim() === '' || line.trimStart().startsWith('#'))
            return;
        const equals = line.indexOf('=');
        const key = equals > 0 ? line.slice(0, equals).trim() : '';
        // The message names the line, never its value: the whole input is a secret.
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
            throw new errors_1.ConfigurationError('env', `line ${index + 1} is not KEY=VALUE with a KEY of letters, digits and '_'. One variable a line; a value cannot span lines.`);
        }
        if (seen.has(key))
            throw new errors_1.ConfigurationError('env', `${key} is set twice.`);
        seen.add(key);
        entries.push([key, line.slice(equals + 1)]);
    });
    return entries;
}
/** Options this action sets itself; given in run-args they would fight with it. */
const MANAGED_OPTIONS = new Map([
    ['--name', "the 'container' input"],
    ['--detach', 'the action (it always runs the container detached)'],
    ['-d', 'the action (it always runs the container detached)'],
    ['--rm', 'the action (a removed container could not be rolled back to)'],
    ['--restart', "the 'restart' input"],
    ['--env-file', "the 'env' input"],
    ['--interactive', 'the action (the container runs detached)'],
    ['-i', 'the action (the container runs detached)'],
    ['--tty', 'the action (the container runs detached)'],
    ['-t', 'the action (the container runs detached)'],
    ['--attach', 'the action (the container runs detached)'],
    ['-a', 'the action (the container runs detached)'],
    ['--cidfile', 'the action'],
]);
/**
 * `run-args`: extra `docker run` options, separated by spaces or lines, each `--option` or
 * `--option=value` (quote a value holding spaces: --label="a b"). An option's value must be
 * joined to it with `=`, so that no word can be taken for the image or a command.
 */
function parseRunArgs(raw) {
    const words = splitWords(raw);
    for (const word of words) {
        const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
        if (!/^--[a-z][a-z0-9-]*$/.test(name)) {
            throw new errors_1.ConfigurationError('run-args', `'${word}' is not a --option or --option=value. Join each value to its option with '=' (--memory=512m, not --memory 512m or -m 512m).`);
        }
        const owner = MANAGED_OPTIONS.get(name);
        if (owner) {
            throw new errors_1.ConfigurationError('run-args', `${name} is set by ${owner}; remove it from run-args.`);
        }
        if (/[\n\0]/.test(word)) {
            throw new errors_1.ConfigurationError('run-args', `'${name}' has a value with a line break.`);
        }
    }
    return words;
}
/** Splits on blanks; single or double quotes keep blanks in a word and are removed. */
function splitWords(raw) {
    const words = [];
    let word = '';
    let inWord = false;
    let quote;
    for (const character of raw) {
        if (quote) {
            if (character === quote)
                quote = undefined;
            else
                word += character;
        }
        else if (character === '"' || character === "'") {
            quote = character;
            inWord = true;
        }
        else if (/\s/.test(character)) {
            if (inWord)
                words.push(word);
            word = '';
            inWord = false;
        }
        else {
            word += character;
            inWord = true;
        }
    }
    if (quote)
        throw new errors_1.ConfigurationError('run-args', `has an unclosed ${quote} quote.`);
    if (inWord)
        words.push(word);
    return words;
}
function parseRestart(raw) {
    if (!/^(no|always|unless-stopped|on-failure(:\d{1,4})?)$/.test(raw)) {
        throw new errors_1.ConfigurationError('restart', `'${raw}' is not a restart policy: use no, always, unless-stopped or on-failure[:max-retries].`);
    }
    return raw;
}
const REGISTRY_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
function parseRegistry(raw) {
    const address = (0, host_port_1.parseHostPort)(raw);
    // An IPv6 address needs its brackets here, or its last group would read as a port.
    const named = address !== undefined &&
        (REGISTRY_NAME.test(address.host) || ((0, host_port_1.isIpv6)(address.host) && raw.startsWith('[')));
    if (!named) {
        throw new errors_1.ConfigurationError('registry', `'${raw}' is not a registry host. Write the host and optional port only, e.g. ghcr.io or registry.example.com:5000.`);
    }
    return raw;
}


/***/ }),

/***/ 548:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.readMarker = readMarker;
exports.deployContainerOn = deployContainerOn;
const duration_1 = __nccwpck_require__(3788);
const errors_1 = __nccwpck_require__(9223);
const deploy_program_1 = __nccwpck_require__(7943);
const run_script_1 = __nccwpck_require__(7894);
const ssh_1 = __nccwpck_require__(6951);
/** Reads a marker line (`<nonce> <key> <value>`) into the report; false for other lines. */
function readMarker(line, nonce, report) {
    if (!line.startsWith(`${nonce} `))
        return false;
    const rest = line.slice(nonce.length + 1);
    const space = rest.indexOf(' ');
    const key = space < 0 ? rest : rest.slice(0, space);
    const value = space < 0 ? '' : rest.slice(space + 1);
    switch (key) {
        case 'result':
            if (['success', 'failed', 'rolled-back'].includes(value))
                report.result = value;
            break;
        case 'reason':
            report.reason = value;
            break;
        case 'previous-image':
            report.previousImage = value;
            break;
        case 'deployed-image':
            report.deployedImage = value;
            break;
        case 'restored':
            report.restored = value;
            break;
        case 'changing':
            report.changing = value;
            break;
        case 'log':
            report.containerLog.push(value);
            break;
    }
    return true;
}
function planOf(mode, sudoPrompt) {
    return {
        spec: mode.spec,
        registry: mode.registry,
        keepPrevious: mode.keepPrevious,
        prune: mode.prune,
        healthCmd: mode.healthCmd,
        healthTimeoutSeconds: Math.ceil(mode.healthTimeoutMs / 1000),
        rollback: mode.rollback,
        stopTimeoutSeconds: mode.stopTimeoutSeconds,
        ...(mode.terminal && {
            sudo: {
                prompt: sudoPrompt,
                docker: mode.terminal.sudoPassword !== undefined,
            },
        }),
    };
}
/** Replaces the container on one host and says how it went. */
async function deployContainerOn(target, mode, timeoutMs, connector, log, clock) {
    const started = clock.now();
    const nonce = (0, deploy_program_1.newNonce)();
    // On a terminal, sudo prompts with a text of this deploy's own, which the step answers.
    const sudo = (0, ssh_1.newSudoPrompt)();
    const report = { containerLog: [] };
    const outcome = (status, exitCode, error) => ({
        host: target.label,
        status,
        exitCode,
        durationMs: clock.now() - started,
        ...(error ? { error } : {}),
        previousImage: report.previousImage,
        deployedImage: report.deployedImage,
        containerLog: report.containerLog,
    });
    log.begin(`${target.label}: deploy ${mode.spec.image} as ${mode.spec.container}`);
    let result;
    try {
        const program = (0, deploy_program_1.deployProgram)(planOf(mode, sudo.prompt), nonce);
        result = await (0, run_script_1.runOnHost)(target, program, timeoutMs, connector, log, {
            // On a terminal, stderr comes on the same stream, and lines end with CRLF (LineSplitter
            // takes the CR off): the marker lines read the same.
            stdoutLine: (line) => readMarker(line, nonce, report),
            terminal: mode.terminal && {
                prompt: sudo.marker,
                sudoPassword: mode.terminal.sudoPassword,
            },
        });
    }
    catch (error) {
        const message = (0, errors_1.errorMessage)(error);
        log.info(message);
        log.end(`${target.label}: failed`);
        return outcome('failed', null, message);
    }
    const took = (0, duration_1.formatDuration)(clock.now() - started);
    const final = judge(target.label, mode, result, report, timeoutMs);
    const done = outcome(final.status, result.code, final.error);
    log.info(final.error ??
        `${target.label}: ${mode.spec.container} now runs ${report.deployedImage ?? mode.spec.image} (${took}).`);
    log.end(`${target.label}: ${final.status} (${took})`);
    return done;
}
/** The host's status and, unless it succeeded, the sentence that says why. */
function judge(label, mode, result, report, timeoutMs) {
    const container = mode.spec.container;
    if (result.timedOut && report.result === 'rolled-back') {
        return {
            status: 'rolled-back',
            error: `${label}: the deploy did not finish within command-timeout (${(0, duration_1.formatDuration)(timeoutMs)}); rolled back: the service was restored to ${report.restored ?? report.previousImage ?? 'the previous container'}.`,
        };
    }
    if (result.timedOut) {
        const then = result.connectionLost
            ? `, and then the connection failed (${result.connectionLost}); check ${container} and ${container}-previous on the server`
            : report.reason
                ? `: ${report.reason}`
                : ` and was ended; check ${container} and ${container}-previous on the server`;
        return {
            status: 'failed',
            error: `${label}: the deploy did not finish within command-timeout (${(0, duration_1.formatDuration)(timeoutMs)})${then}.`,
        };
    }
    if (result.sudoRefused) {
        // The first docker command is the first to ask: most often, nothing was changed yet.
        const where = report.changing === undefined
            ? 'nothing was changed on the server'
            : `check ${container} and ${container}-previous on the server`;
        return {
            status: 'failed',
            error: `${label}: ${result.sudoRefused} The deploy stopped: ${where}.`,
        };
    }
    if (result.connectionLost) {
        return {
            status: 'failed',
            error: `${label}: the connection was lost during the deploy (${result.connectionLost}); check ${container} on the server.`,
        };
    }
    if (report.result === 'success' && result.code === 0)
        return { status: 'success' };
    if (report.result === 'rolled-back') {
        return {
            status: 'rolled-back',
            error: `${label}: ${report.deployedImage ?? mode.spec.image} failed (${report.reason ?? 'see the log'}); rolled back: the service was restored to ${report.restored ?? report.previousImage ?? 'the previous container'}.`,
        };
    }
    if (report.result === 'failed') {
        return { status: 'failed', error: `${label}: ${report.reason ?? 'the deploy failed'}.` };
    }
    return {
        status: 'failed',
        error: `${label}: the deploy stopped at an unexpected error (exit code ${result.code ?? (0, ssh_1.signalName)(result) ?? 'none'}); see the log, and check ${container} and ${container}-previous on the server.`,
    };
}


/***/ }),

/***/ 7943:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.newNonce = newNonce;
exports.deployProgram = deployProgram;
// Container mode's program: remote/deploy-container.sh (which says what it does), run after a
// prelude of the plan's values. container-spec.ts has checked every value from the inputs;
// the prelude quotes them all the same.
const node_crypto_1 = __nccwpck_require__(7598);
const container_spec_1 = __nccwpck_require__(7084);
const remote_shell_1 = __nccwpck_require__(5472);
/**
 * The program marks the lines it means for the action with this, fresh for each deploy, so
 * that nothing the container prints can pass for one of them.
 */
function newNonce() {
    return `srd-${(0, node_crypto_1.randomBytes)(12).toString('hex')}`;
}
const flag = (on) => (on ? '1' : '0');
function deployProgram(plan, nonce) {
    const { spec, registry, sudo } = plan;
    return (0, remote_shell_1.remoteProgram)(remote_shell_1.remoteFiles.deployContainer(), {
        NONCE: nonce,
        NAME: spec.container,
        IMAGE: spec.image,
        RESTART: spec.restart,
        STOP_TIMEOUT: String(plan.stopTimeoutSeconds),
        HEALTH_TIMEOUT: String(plan.healthTimeoutSeconds),
        HEALTH_CMD: plan.healthCmd ?? '',
        KEEP_PREVIOUS: flag(plan.keepPrevious),
        ROLLBACK: flag(plan.rollback),
        PRUNE: flag(plan.prune),
        REGISTRY: registry?.host ?? '',
        REGISTRY_USERNAME: registry?.username ?? '',
        REGISTRY_PASSWORD: registry?.password ?? '',
        ENV_LINES: (0, remote_shell_1.lines)(spec.env.map(([key, value]) => `${key}=${value}`)),
        PORTS: (0, remote_shell_1.lines)(spec.ports.map(container_spec_1.formatPort)),
        VOLUMES: (0, remote_shell_1.lines)(spec.volumes.map(container_spec_1.formatVolume)),
        RUN_ARGS: (0, remote_shell_1.lines)(spec.runArgs),
        SUDO_ASK: sudo?.docker ? sudo.prompt : '',
    }, sudo ? { SUDO_PROMPT: `${sudo.prompt}: ` } : {});
}


/***/ }),

/***/ 7865:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.fanOut = fanOut;
exports.failureMessage = failureMessage;
/**
 * Runs `work` for every host, at most `parallel` at once, in the order given. With fail-fast,
 * once a host has failed no other host is started: they end `skipped`. Hosts already running
 * are left to finish, as stopping a deploy half-way would leave that server worse off.
 */
async function fanOut(targets, options, work) {
    const outcomes = new Array(targets.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
        while (next < targets.length) {
            const index = next++;
            const target = targets[index];
            if (failed && options.failFast) {
                outcomes[index] = {
                    host: target.label,
                    status: 'skipped',
                    exitCode: null,
                    durationMs: 0,
                    error: 'not started: another host failed and fail-fast is on',
                };
                continue;
            }
            const outcome = await work(target);
            outcomes[index] = outcome;
            if (outcome.status !== 'success')
                failed = true;
        }
    };
    const workers = Array.from({ length: Math.min(options.parallel, targets.length) }, worker);
    await Promise.all(workers);
    return outcomes;
}
/** The step's verdict over every host: undefined when all succeeded. */
function failureMessage(outcomes, what) {
    const bad = outcomes.filter((outcome) => outcome.status !== 'success');
    if (bad.length === 0)
        return undefined;
    if (outcomes.length === 1)
        return bad[0].error ?? `${what} failed on ${bad[0].host}`;
    const failedCount = bad.filter((outcome) => outcome.status !== 'skipped').length;
    const skipped = bad.length - failedCount;
    const details = bad.map((outcome) => `${outcome.host}: ${outcome.status}`).join('; ');
    return (`${what} failed on ${failedCount} of ${outcomes.length} hosts` +
        (skipped > 0 ? ` (${skipped} not started, fail-fast)` : '') +
        `: ${details}.`);
}


/***/ }),

/***/ 2440:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.algorithmsOfKeyType = algorithmsOfKeyType;
exports.fingerprintOf = fingerprintOf;
exports.keyTypeOf = keyTypeOf;
exports.parseFingerprints = parseFingerprints;
exports.fingerprintsFor = fingerprintsFor;
exports.parseKnownHosts = parseKnownHosts;
exports.knownHostsName = knownHostsName;
exports.hostsFieldMatches = hostsFieldMatches;
exports.entriesFor = entriesFor;
exports.judgeHostKey = judgeHostKey;
exports.algorithmsToOffer = algorithmsToOffer;
exports.howToGetFingerprint = howToGetFingerprint;
// Host-key verification: which keys a server may present, from `fingerprint` and
// `known-hosts`, and which host-key algorithms to offer so that it presents one of them.
const node_crypto_1 = __nccwpck_require__(7598);
const errors_1 = __nccwpck_require__(9223);
/** The host-key algorithms ssh2 speaks, in the order it prefers them. */
const HOST_KEY_ALGORITHMS = [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
];
/** A key's type as its blob names it (`ssh-rsa` for every RSA signature algorithm). */
function keyTypeOfAlgorithm(algorithm) {
    return algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm;
}
function algorithmsOfKeyType(keyType) {
    return HOST_KEY_ALGORITHMS.filter((algorithm) => keyTypeOfAlgorithm(algorithm) === keyType);
}
/** `SHA256:` + unpadded base64 of the SHA-256 of a key blob, as `ssh-keygen -l` prints it. */
function fingerprintOf(blob) {
    return `SHA256:${(0, node_crypto_1.createHash)('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
/** The type a key blob declares (its first SSH string). */
function keyTypeOf(blob) {
    if (blob.length < 4)
        return 'unknown';
    const length = blob.readUInt32BE(0);
    return blob.subarray(4, 4 + length).toString('latin1');
}
const SHA256_FINGERPRINT = /SHA256:([A-Za-z0-9+/]{43})=?(?![A-Za-z0-9+/])/g;
const HOST_NAME = /^[A-Za-z0-9._:%-]+$/;
/** `host` or `[host]:port`, as a line of `fingerprint` binds a fingerprint to them. */
function parseBinding(input, text, word) {
    const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(word);
    const host = (bracketed ? bracketed[1] : word).toLowerCase();
    const port = bracketed ? Number(bracketed[2]) : undefined;
    if (!HOST_NAME.test(host) || (port !== undefined && (port < 1 || port > 65535))) {
        throw new errors_1.ConfigurationError(input, `'${text}': ${word} is not a host name or [host]:port. A line reads SHA256:... for every host, 'host SHA256:...' for one host, or '[host]:port SHA256:...' for one port of it.`);
    }
    return { host, port };
}
/**
 * Reads `fingerprint`: one or more `SHA256:...`, one a line or comma-separated, each for every
 * host; `host SHA256:...` binds one to that host on every port, `[host]:port SHA256:...` to
 * that port only. Whole lines of `ssh-keygen -l` output (`256 SHA256:... comment (ED25519)`)
 * are accepted as well, for every host.
 */
function parseFingerprints(input, raw) {
    const pinned = [];
    for (const line of raw.split(/[\n,]/)) {
        const text = line.trim();
        if (text === '')
            continue;
        const found = [...text.matchAll(SHA256_FINGERPRINT)].map((match) => `SHA256:${match[1]}`);
        if (found.length === 0) {
            const md5 = /^(MD5:)?([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(text);
            throw new errors_1.ConfigurationError(input, md5
                ? `'${text}' is an MD5 fingerprint, which is too weak to rely on. Give the SHA256 form, printed by ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server.`
                : `'${text}' is not a host key fingerprint. Give SHA256:<43 characters>, as printed by ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server.`);
        }
        const words = text.split(/\s+/);
        // `host SHA256:...`: a first word that is neither a fingerprint nor ssh-keygen's bit count.
        const bound = words.length === 2 && !/^SHA256:/.test(words[0]) && !/^\d+$/.test(words[0]);
        if (bound) {
            pinned.push({ fingerprint: found[0], ...parseBinding(input, text, words[0]) });
        }
        else {
            pinned.push(...found.map((fingerprint) => ({ fingerprint })));
        }
    }
    const seen = new Set();
    return pinned.filter((entry) => {
        const key = `${entry.fingerprint} ${entry.host ?? ''} ${entry.port ?? ''}`;
        if (seen.has(key))
            return false;
        seen.add(key);
        return true;
    });
}
/** The fingerprints that may verify this host and port: those for every host, and its own. */
function fingerprintsFor(policy, host, port) {
    const name = host.toLowerCase();
    return policy.fingerprints
        .filter((entry) => entry.host === undefined ||
        (entry.host === name && (entry.port === undefined || entry.port === port)))
        .map((entry) => entry.fingerprint);
}
const KEY_TYPES = new Set(HOST_KEY_ALGORITHMS.map(keyTypeOfAlgorithm));
/** Reads `known-hosts`: lines in OpenSSH's known_hosts format, hashed names included. */
function parseKnownHosts(input, raw) {
    const entries = [];
    raw.split('\n').forEach((rawLine, index) => {
        const line = rawLine.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const fields = line.split(/\s+/);
        let revoked = false;
        if (fields[0].startsWith('@')) {
            const marker = fields.shift();
            if (marker === '@revoked')
                revoked = true;
            else if (marker === '@cert-authority') {
                throw new errors_1.ConfigurationError(input, `line ${index + 1} is a @cert-authority line; host certificates are not supported. Give the hosts' own keys (ssh-keyscan -p PORT HOST).`);
            }
            else {
                throw new errors_1.ConfigurationError(input, `line ${index + 1} has an unknown marker ${marker}.`);
            }
        }
        const [hosts, keyType, key] = fields;
        if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
            throw new errors_1.ConfigurationError(input, `line ${index + 1} is not a known_hosts line. Each line reads 'host-patterns key-type base64-key', as printed by ssh-keyscan -p PORT HOST.`);
        }
        if (!KEY_TYPES.has(keyType)) {
            throw new errors_1.ConfigurationError(input, `line ${index + 1} holds a ${keyType} key, which is not supported; give the server's ssh-ed25519, ecdsa-sha2-* or ssh-rsa key.`);
        }
        const declared = keyTypeOf(Buffer.from(key, 'base64'));
        if (declared !== keyType) {
            throw new errors_1.ConfigurationError(input, `line ${index + 1}: the key is a ${declared} key but the line says ${keyType}; copy the line again.`);
        }
        entries.push({ hosts, keyType, key, revoked, line: index + 1 });
    });
    if (entries.length === 0) {
        throw new errors_1.ConfigurationError(input, 'holds no known_hosts line.');
    }
    return entries;
}
/** How a host and port are written in known_hosts: `host`, or `[host]:port` off port 22. */
function knownHostsName(host, port) {
    return port === 22 ? host : `[${host}]:${port}`;
}
/** Whether a known_hosts host field names this host and port (patterns, negations, hashes). */
function hostsFieldMatches(hosts, host, port) {
    const name = knownHostsName(host, port);
    if (hosts.startsWith('|1|')) {
        const [, , salt, hash] = hosts.split('|');
        if (!salt || !hash)
            return false;
        const expected = (0, node_crypto_1.createHmac)('sha1', Buffer.from(salt, 'base64')).update(name).digest();
        const given = Buffer.from(hash, 'base64');
        return given.length === expected.length && (0, node_crypto_1.timingSafeEqual)(given, expected);
    }
    let matched = false;
    for (const pattern of hosts.split(',')) {
        const negated = pattern.startsWith('!');
        if (globMatches(negated ? pattern.slice(1) : pattern, name)) {
            if (negated)
                return false;
            matched = true;
        }
    }
    return matched;
}
function globMatches(pattern, name) {
    const expression = pattern
        .toLowerCase()
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.');
    return new RegExp(`^${expression}$`).test(name.toLowerCase());
}
function entriesFor(policy, host, port) {
    return policy.knownHosts.filter((entry) => hostsFieldMatches(entry.hosts, host, port));
}
/** Whether a key the server presented is one the policy accepts for this host and port. */
function judgeHostKey(policy, host, port, blob) {
    const entries = entriesFor(policy, host, port);
    const base64 = blob.toString('base64');
    if (entries.some((entry) => entry.revoked && entry.key === base64)) {
        return { accepted: false, revoked: true };
    }
    if (policy.skip)
        return { accepted: true, how: 'not checked (insecure-skip-host-key-check)' };
    const fingerprint = fingerprintOf(blob);
    if (fingerprintsFor(policy, host, port).includes(fingerprint)) {
        return { accepted: true, how: "matches 'fingerprint'" };
    }
    const line = entries.find((entry) => !entry.revoked && entry.key === base64);
    if (line)
        return { accepted: true, how: `matches line ${line.line} of 'known-hosts'` };
    return { accepted: false, revoked: false };
}
/**
 * The host-key algorithms to offer, best first. Key types listed in known-hosts for the host
 * come first, so the server presents a key we can check; with only known-hosts, nothing else
 * is offered (a fingerprint could be of any type, so with fingerprints everything is).
 */
function algorithmsToOffer(policy, host, port) {
    if (policy.skip)
        return [...HOST_KEY_ALGORITHMS];
    const known = new Set(entriesFor(policy, host, port)
        .filter((entry) => !entry.revoked)
        .map((entry) => entry.keyType));
    const preferred = HOST_KEY_ALGORITHMS.filter((algorithm) => known.has(keyTypeOfAlgorithm(algorithm)));
    if (fingerprintsFor(policy, host, port).length === 0)
        return preferred;
    return [...preferred, ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))];
}
/** The help shown when neither a fingerprint nor known-hosts is given. */
function howToGetFingerprint(host, port) {
    const portFlag = port === 22 ? '' : `-p ${port} `;
    return ("The server's host key must be verified before logging in, or anyone on the network path could pose as it. " +
        `Give 'fingerprint' (SHA256:...), from ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub run on the server (or ssh-keyscan ${portFlag}${host} | ssh-keygen -lf - from a machine you trust), ` +
        `or 'known-hosts', the lines ssh-keyscan ${portFlag}${host} prints. ` +
        'Store it as a secret or variable. Only for a throwaway server: insecure-skip-host-key-check: true.');
}


/***/ }),

/***/ 932:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HostLog = void 0;
exports.chooseLayout = chooseLayout;
const node_crypto_1 = __nccwpck_require__(7598);
const outside_text_1 = __nccwpck_require__(6725);
const output_1 = __nccwpck_require__(9360);
function chooseLayout(hosts, parallel) {
    if (hosts === 1)
        return 'single';
    return parallel === 1 ? 'serial' : 'parallel';
}
/** A host's lines kept for its closing group in the parallel layout. */
const KEPT_CHARACTERS = 1_000_000;
class HostLog {
    label;
    layout;
    write;
    kept = new output_1.BoundedText(KEPT_CHARACTERS);
    stopToken;
    constructor(label, layout, 
    /** Writes a line to the log as it is: the host log makes outside text inert itself. */
    write) {
        this.label = label;
        this.layout = layout;
        this.write = write;
    }
    begin(title) {
        if (this.layout !== 'parallel')
            this.write(`::group::${title}`);
    }
    /** The action's own words about this host (which may quote the server's). */
    info(message) {
        for (const piece of (0, outside_text_1.inertLines)(message)) {
            this.write(this.layout === 'parallel' ? (0, output_1.prefixed)(this.label, piece) : piece);
        }
        this.kept.append(`${message}\n`);
    }
    /** Brackets the server's output: in the live group layouts, commands are off within. */
    startOutput() {
        if (this.layout === 'parallel')
            return;
        this.stopToken = (0, node_crypto_1.randomBytes)(16).toString('hex');
        this.write(`::stop-commands::${this.stopToken}`);
    }
    line(text) {
        // Between stop-commands markers nothing is a command; elsewhere, each piece is made inert.
        const pieces = this.stopToken !== undefined ? [text] : (0, outside_text_1.inertLines)(text);
        for (const piece of pieces) {
            this.write(this.layout === 'single' ? piece : (0, output_1.prefixed)(this.label, piece));
        }
        this.kept.append(`${text}\n`);
    }
    endOutput() {
        if (this.stopToken === undefined)
            return;
        this.write(`::${this.stopToken}::`);
        this.stopToken = undefined;
    }
    /** Closes the host's group; in the parallel layout, prints the host's lines in one. */
    end(title) {
        this.endOutput();
        if (this.layout !== 'parallel') {
            this.write('::endgroup::');
            return;
        }
        const token = (0, node_crypto_1.randomBytes)(16).toString('hex');
        this.write(`::group::${title}`);
        this.write(`::stop-commands::${token}`);
        for (const line of this.kept.toString().replace(/\n$/, '').split('\n'))
            this.write(line);
        if (this.kept.truncated)
            this.write('(output cut here: the live log above has all of it)');
        this.write(`::${token}::`);
        this.write('::endgroup::');
    }
}
exports.HostLog = HostLog;


/***/ }),

/***/ 9990:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.isHostname = isHostname;
exports.parseUsername = parseUsername;
exports.parsePort = parsePort;
exports.parseTargets = parseTargets;
const errors_1 = __nccwpck_require__(9223);
const host_port_1 = __nccwpck_require__(5088);
const input_values_1 = __nccwpck_require__(9153);
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$/;
function isHostname(text) {
    return HOSTNAME.test(text) || (0, host_port_1.isIpv6)(text);
}
function parseUsername(input, raw) {
    if (!USERNAME.test(raw)) {
        throw new errors_1.ConfigurationError(input, `'${raw}' is not a user name: letters, digits, '.', '_' and '-' only, at most 32 characters.`);
    }
    return raw;
}
function parsePort(input, raw) {
    const port = Number(raw);
    if (!/^\d{1,5}$/.test(raw) || port < 1 || port > 65535) {
        throw new errors_1.ConfigurationError(input, `'${raw}' is not a port: use a number from 1 to 65535.`);
    }
    return port;
}
/**
 * Reads `host`: entries one a line or comma-separated, each `host`, `host:port`,
 * `user@host:port` or `[ipv6]:port`. A user or port in an entry overrides the defaults.
 */
function parseTargets(raw, defaults) {
    const entries = (0, input_values_1.parseList)(raw);
    if (entries.length === 0) {
        throw new errors_1.ConfigurationError('host', 'is required: the server to connect to, e.g. host: deploy.example.com, or several, one a line (user@host:port each if they differ).');
    }
    const targets = entries.map((entry) => parseEntry(entry, defaults));
    const seen = new Set();
    for (const target of targets) {
        const key = `${target.username}@${target.host.toLowerCase()}:${target.port}`;
        if (seen.has(key)) {
            throw new errors_1.ConfigurationError('host', `${target.label} is listed twice.`);
        }
        seen.add(key);
    }
    return targets;
}
function parseEntry(entry, defaults) {
    const invalid = (why) => new errors_1.ConfigurationError('host', `'${entry}' ${why} Write each entry as host, host:port or user@host:port ([ipv6]:port for IPv6 addresses).`);
    let rest = entry;
    let username;
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
        username = rest.slice(0, at);
        rest = rest.slice(at + 1);
        if (!USERNAME.test(username))
            throw invalid('has an invalid user name.');
    }
    const address = (0, host_port_1.parseHostPort)(rest);
    if (!address)
        throw invalid(addressProblem(rest));
    const { host } = address;
    if (!isHostname(host))
        throw invalid('is not a host name or an address.');
    const port = address.port ?? defaults.port;
    username ??= defaults.username;
    if (username === undefined) {
        throw new errors_1.ConfigurationError('username', `is required: the user to log in as on ${entry}. Set username, or write the entry as user@${entry}.`);
    }
    const label = (at >= 0 ? `${username}@` : '') +
        (0, host_port_1.formatHostPort)(host, address.port !== undefined || port !== 22 ? port : undefined);
    return { host, port, username, label };
}
/** Why an entry is not `host`, `host:port`, `[ipv6]:port` or a bare IPv6 address. */
function addressProblem(text) {
    const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (bracketed && !(0, host_port_1.isIpv6)(bracketed[1]))
        return 'is not an IPv6 address in brackets.';
    const hostAndPort = /^([^:]*):([^:]*)$/.exec(text);
    const portText = bracketed ? bracketed[2] : hostAndPort?.[2];
    if (portText === undefined || (hostAndPort && !HOSTNAME.test(hostAndPort[1]))) {
        return 'is not a host name or an address.';
    }
    return /^\d{1,5}$/.test(portText) ? 'has a port outside 1-65535.' : 'has an invalid port.';
}


/***/ }),

/***/ 8024:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.getInputs = getInputs;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const host_port_1 = __nccwpck_require__(5088);
const input_values_1 = __nccwpck_require__(9153);
const duration_1 = __nccwpck_require__(3788);
const mask_1 = __nccwpck_require__(7624);
const container_spec_1 = __nccwpck_require__(7084);
const host_keys_1 = __nccwpck_require__(2440);
const hosts_1 = __nccwpck_require__(9990);
const keys_1 = __nccwpck_require__(3057);
const remote_shell_1 = __nccwpck_require__(5472);
const swarm_spec_1 = __nccwpck_require__(6601);
const upload_plan_1 = __nccwpck_require__(562);
/** Values this short are everywhere in logs (ports, flags): masked on their own they garble them. */
const SHORTEST_MASKED_VALUE = 6;
/**
 * Reads and checks every input; `environment` holds the variables `envs` names. Secrets are
 * masked before anything can print them.
 */
function getInputs(runner, environment) {
    const secret = (value) => (0, mask_1.maskSecret)(value, (form) => runner.setSecret(form));
    const key = secret(readKeys(runner, environment));
    const passphrase = secret(runner.getInput('passphrase'));
    const password = secret(runner.getInput('password'));
    const proxyKey = secret(runner.getInput('proxy-key'));
    const proxyPassphrase = secret(runner.getInput('proxy-passphrase'));
    const proxyPassword = secret(runner.getInput('proxy-password'));
    const registryPassword = secret(runner.getInput('registry-password'));
    const envText = secret(runner.getInput('env'));
    const sudoPassword = secret(runner.getInput('sudo-password'));
    const notes = [];
    const port = (0, hosts_1.parsePort)('port', runner.getInput('port'));
    const usernameText = runner.getInput('username');
    const username = usernameText === '' ? undefined : (0, hosts_1.parseUsername)('username', usernameText);
    const targets = (0, hosts_1.parseTargets)(runner.getInput('host'), { port, username });
    if (key === '' && password === '') {
        throw new errors_1.ConfigurationError('key', 'is required (or password): the private key to log in with, as a secret: key: ${{ secrets.DEPLOY_KEY }}.');
    }
    const credentials = {
        privateKey: key || undefined,
        passphrase: passphrase || undefined,
        password: password || undefined,
    };
    const knownHostsText = runner.getInput('known-hosts');
    const knownHosts = knownHostsText === '' ? [] : (0, host_keys_1.parseKnownHosts)('known-hosts', knownHostsText);
    const fingerprints = (0, host_keys_1.parseFingerprints)('fingerprint', runner.getInput('fingerprint'));
    const skipRequested = (0, input_values_1.parseBoolean)('insecure-skip-host-key-check', runner.getInput('insecure-skip-host-key-check'));
    const verified = fingerprints.length > 0 || knownHosts.length > 0;
    if (skipRequested && verified) {
        notes.push("insecure-skip-host-key-check is ignored: 'fingerprint' or 'known-hosts' is given, so host keys are verified.");
    }
    const insecure = skipRequested && !verified;
    if (!verified && !insecure) {
        throw new errors_1.ConfigurationError('fingerprint', (0, host_keys_1.howToGetFingerprint)(targets[0].host, targets[0].port));
    }
    const hostKeys = { fingerprints, knownHosts, skip: insecure };
    if (!insecure)
        requireAWayToVerify(hostKeys, targets);
    const proxy = readProxy(runner, { username, credentials, knownHosts, insecure }, { key: proxyKey, passphrase: proxyPassphrase, password: proxyPassword });
    const mode = readMode(runner, environment, { envText, registryPassword });
    const terminal = readTerminal(runner, mode.kind, sudoPassword);
    if ((mode.kind === 'script' || mode.kind === 'container') && terminal)
        mode.terminal = terminal;
    const upload = readUpload(runner, mode.kind);
    const commandTimeoutMs = (0, input_values_1.parsePositiveDuration)('command-timeout', runner.getInput('command-timeout'));
    if (mode.kind === 'service' && mode.spec.monitorMs >= commandTimeoutMs) {
        throw new errors_1.ConfigurationError('command-timeout', 'must be longer than health-timeout: each step of a rolling update waits health-timeout, and the whole update runs within command-timeout.');
    }
    if (mode.kind === 'container' && mode.healthTimeoutMs >= commandTimeoutMs) {
        throw new errors_1.ConfigurationError('command-timeout', 'must be longer than health-timeout: the deploy, health check included, runs within it, and a deploy killed half-way cannot roll back.');
    }
    return {
        targets,
        credentials,
        hostKeys,
        insecure,
        proxy,
        connectTimeoutMs: (0, input_values_1.parsePositiveDuration)('connect-timeout', runner.getInput('connect-timeout')),
        retries: (0, input_values_1.parseInteger)('retries', runner.getInput('retries'), 0, 10),
        keepaliveIntervalMs: (0, duration_1.parseDuration)('keepalive-interval', runner.getInput('keepalive-interval')),
        commandTimeoutMs,
        parallel: (0, input_values_1.parseInteger)('parallel', runner.getInput('parallel'), 1, 100),
        failFast: (0, input_values_1.parseBoolean)('fail-fast', runner.getInput('fail-fast')),
        mode,
        upload,
        debug: (0, input_values_1.parseBoolean)('debug', runner.getInput('debug')),
        notes,
    };
}
/**
 * `request-pty` and `sudo-password`: a terminal for the script or the deploy program, where
 * sudo gets its answer.
 */
function readTerminal(runner, kind, sudoPassword) {
    const requested = (0, input_values_1.parseBoolean)('request-pty', runner.getInput('request-pty'));
    if (!requested) {
        if (sudoPassword !== '') {
            throw new errors_1.ConfigurationError('sudo-password', 'needs request-pty: true: sudo asks for its password on a terminal, and the step answers it there.');
        }
        return undefined;
    }
    if (kind !== 'script' && kind !== 'container') {
        throw new errors_1.ConfigurationError('request-pty', kind === 'upload'
            ? 'is for a script or a container deploy: an upload alone runs no command. Remove it.'
            : 'is for script and container modes: Swarm mode runs docker without a terminal, so the user needs access to the Docker daemon (the docker group). Remove it.');
    }
    return sudoPassword === '' ? {} : { sudoPassword };
}
/** `key`, or `key-file` (the key or keys in a file the job wrote): one of the two. */
function readKeys(runner, environment) {
    const key = runner.getInput('key');
    const keyFile = runner.getInput('key-file');
    if (keyFile === '')
        return key;
    if (key !== '') {
        throw new errors_1.ConfigurationError('key-file', 'cannot be combined with key: give the keys in one of them (key may hold several, one after another).');
    }
    return (0, keys_1.readKeyFile)(keyFile, environment.GITHUB_WORKSPACE ?? '.');
}
/** `script`, or `script-file` (a file of the workspace): one of the two. */
function readScript(runner, environment) {
    const script = runner.getInput('script');
    const scriptFile = runner.getInput('script-file');
    if (scriptFile === '')
        return script;
    if (script !== '') {
        throw new errors_1.ConfigurationError('script-file', 'cannot be combined with script: give the script in one of them.');
    }
    const file = node_path_1.default.resolve(environment.GITHUB_WORKSPACE ?? '.', scriptFile);
    let text;
    try {
        text = (0, node_fs_1.readFileSync)(file, 'utf8');
    }
    catch (error) {
        throw new errors_1.ConfigurationError('script-file', `cannot read ${scriptFile} (${(0, errors_1.errorMessage)(error)}): give a path in the workspace, after actions/checkout.`);
    }
    if (text.trim() === '') {
        throw new errors_1.ConfigurationError('script-file', `${scriptFile} is empty: nothing to run.`);
    }
    return text;
}
function readUpload(runner, kind) {
    const mappings = (0, upload_plan_1.parseUploadMappings)(runner.getInput('upload'));
    const fileMode = (0, upload_plan_1.parseFileMode)(runner.getInput('upload-mode'));
    const mirror = (0, input_values_1.parseBoolean)('upload-delete', runner.getInput('upload-delete'));
    if (mappings.length === 0) {
        const stray = fileMode !== undefined ? 'upload-mode' : mirror ? 'upload-delete' : undefined;
        if (stray) {
            throw new errors_1.ConfigurationError('upload', `is required with ${stray}: the files to copy, LOCAL => REMOTE a line.`);
        }
        return undefined;
    }
    if (kind === 'service' || kind === 'stack') {
        throw new errors_1.ConfigurationError('upload', `is for script and container modes, not ${kind} mode: Swarm runs the services on nodes of its choice. Upload in a step of its own (upload without script), to each node that needs the files.`);
    }
    return { mappings, fileMode, mirror };
}
/**
 * A host that no fingerprint and no known-hosts line applies to could never be verified: say
 * so now, before connecting anywhere.
 */
function requireAWayToVerify(policy, targets) {
    for (const target of targets) {
        if ((0, host_keys_1.fingerprintsFor)(policy, target.host, target.port).length > 0)
            continue;
        const lines = (0, host_keys_1.entriesFor)(policy, target.host, target.port).filter((entry) => !entry.revoked);
        if (lines.length > 0)
            continue;
        const name = (0, host_keys_1.knownHostsName)(target.host, target.port);
        if (policy.fingerprints.length > 0) {
            throw new errors_1.ConfigurationError('fingerprint', `has no fingerprint for ${(0, host_port_1.formatHostPort)(target.host, target.port === 22 ? undefined : target.port)}: each of its lines is bound to another host. Add a line '${name} SHA256:...' for it${policy.knownHosts.length > 0 ? ', or a known-hosts line' : ''}.`);
        }
        throw new errors_1.ConfigurationError('known-hosts', `has no line for ${name}${target.port === 22 ? '' : ' (off port 22, known_hosts names a host [host]:port)'}. ` +
            `Add the output of ssh-keyscan ${target.port === 22 ? '' : `-p ${target.port} `}${target.host}, or give 'fingerprint'.`);
    }
}
function readProxy(runner, main, secrets) {
    const hostText = runner.getInput('proxy-host');
    const port = (0, hosts_1.parsePort)('proxy-port', runner.getInput('proxy-port'));
    const usernameText = runner.getInput('proxy-username');
    const fingerprintText = runner.getInput('proxy-fingerprint');
    if (hostText === '') {
        const stray = [
            usernameText && 'proxy-username',
            secrets.key && 'proxy-key',
            secrets.password && 'proxy-password',
            fingerprintText && 'proxy-fingerprint',
        ].filter(Boolean);
        if (stray.length > 0) {
            throw new errors_1.ConfigurationError('proxy-host', `is required when ${stray.join(', ')} is set: the jump host to connect through.`);
        }
        return undefined;
    }
    if (!(0, hosts_1.isHostname)(hostText)) {
        throw new errors_1.ConfigurationError('proxy-host', `'${hostText}' is not a host name or an address.`);
    }
    const username = usernameText === '' ? main.username : (0, hosts_1.parseUsername)('proxy-username', usernameText);
    if (username === undefined) {
        throw new errors_1.ConfigurationError('proxy-username', 'is required: the user to log in as on the jump host.');
    }
    // The jump host takes the main credentials unless it has its own.
    const credentials = secrets.key !== '' || secrets.password !== ''
        ? {
            privateKey: secrets.key || undefined,
            passphrase: secrets.passphrase || undefined,
            password: secrets.password || undefined,
        }
        : main.credentials;
    const fingerprints = (0, host_keys_1.parseFingerprints)('proxy-fingerprint', fingerprintText);
    const hostKeys = {
        fingerprints,
        knownHosts: main.knownHosts,
        skip: main.insecure && fingerprints.length === 0,
    };
    if ((0, host_keys_1.fingerprintsFor)(hostKeys, hostText, port).length === 0 &&
        !hostKeys.skip &&
        (0, host_keys_1.entriesFor)(hostKeys, hostText, port).filter((entry) => !entry.revoked).length === 0) {
        throw new errors_1.ConfigurationError('proxy-fingerprint', (0, host_keys_1.howToGetFingerprint)(hostText, port));
    }
    const label = (0, host_port_1.formatHostPort)(hostText, port === 22 ? undefined : port);
    return {
        endpoint: { host: hostText, port, username, credentials, label: `jump host ${label}` },
        hostKeys,
    };
}
const CONTAINER_INPUTS = [
    'ports',
    'volumes',
    'env',
    'run-args',
    'registry',
    'registry-username',
    'registry-password',
    'health-cmd',
];
function readMode(runner, environment, secrets) {
    const script = readScript(runner, environment);
    const serviceText = runner.getInput('service');
    const stackText = runner.getInput('stack');
    const composeText = runner.getInput('compose-file');
    const stackServicesText = runner.getInput('stack-services');
    const serviceValues = {
        replicas: runner.getInput('replicas'),
        networks: runner.getInput('networks'),
        constraints: runner.getInput('constraints'),
        'update-order': runner.getInput('update-order'),
    };
    const imageText = runner.getInput('image');
    const containerText = runner.getInput('container');
    const envsText = runner.getInput('envs');
    const containerValues = {
        ports: runner.getInput('ports'),
        volumes: runner.getInput('volumes'),
        env: secrets.envText,
        'run-args': runner.getInput('run-args'),
        registry: runner.getInput('registry'),
        'registry-username': runner.getInput('registry-username'),
        'registry-password': secrets.registryPassword,
        'health-cmd': runner.getInput('health-cmd'),
    };
    const restartText = runner.getInput('restart');
    const keepPrevious = (0, input_values_1.parseBoolean)('keep-previous', runner.getInput('keep-previous'));
    const prune = (0, input_values_1.parseBoolean)('prune', runner.getInput('prune'));
    const healthTimeoutMs = (0, input_values_1.parsePositiveDuration)('health-timeout', runner.getInput('health-timeout'));
    const rollback = (0, input_values_1.parseBoolean)('rollback', runner.getInput('rollback'));
    const stopTimeoutMs = (0, duration_1.parseDuration)('stop-timeout', runner.getInput('stop-timeout'));
    if (script !== '' && (imageText !== '' || containerText !== '')) {
        throw new errors_1.ConfigurationError('script', 'cannot be combined with image and container: a step either runs a script or replaces a container. Use two steps for both.');
    }
    if (stackText === '' && (composeText !== '' || stackServicesText !== '')) {
        throw new errors_1.ConfigurationError('stack', `is required with ${composeText !== '' ? 'compose-file' : 'stack-services'}: the name to deploy the compose file's services under.`);
    }
    if (stackText !== '') {
        const other = [
            script !== '' && 'script',
            containerText !== '' && 'container',
            serviceText !== '' && 'service',
        ].find(Boolean);
        if (other) {
            throw new errors_1.ConfigurationError(other, 'cannot be combined with stack: a step runs a script, replaces a container, updates a service or deploys a stack. Use one step for each.');
        }
        const onlyForOthers = [
            ...['ports', 'volumes', 'env', 'run-args', 'health-cmd'].filter((name) => containerValues[name] !== ''),
            ...SERVICE_INPUTS.filter((name) => serviceValues[name] !== ''),
        ];
        if (onlyForOthers.length > 0) {
            throw new errors_1.ConfigurationError(onlyForOthers[0], 'is not used in stack mode: the compose file says how its services run. Write it there.');
        }
        if (composeText === '') {
            throw new errors_1.ConfigurationError('compose-file', 'is required with stack: the compose file in the workspace to deploy (e.g. docker-stack.yml).');
        }
        return {
            kind: 'stack',
            stack: (0, swarm_spec_1.parseServiceName)('stack', stackText),
            composeFile: {
                given: composeText,
                path: node_path_1.default.resolve(environment.GITHUB_WORKSPACE ?? '.', composeText),
            },
            image: imageText === '' ? undefined : (0, container_spec_1.parseImage)(imageText),
            stackServices: (0, input_values_1.parseList)(stackServicesText, /[\s,]+/).map((name) => (0, swarm_spec_1.parseServiceName)('stack-services', name)),
            prune,
            registry: readRegistry(containerValues),
        };
    }
    if (serviceText !== '') {
        if (script !== '') {
            throw new errors_1.ConfigurationError('script', 'cannot be combined with service: a step either runs a script or updates a service. Use two steps for both.');
        }
        if (containerText !== '') {
            throw new errors_1.ConfigurationError('container', 'cannot be combined with service: container replaces one container per server, service updates a Swarm service. Keep one.');
        }
        if (containerValues['run-args'] !== '') {
            throw new errors_1.ConfigurationError('run-args', 'is for container mode; a Swarm service takes its settings from ports, volumes, env, networks, constraints and health-cmd.');
        }
        return readServiceMode(runner, serviceText, imageText, containerValues, {
            healthTimeoutMs,
            rollback,
            stopTimeoutMs,
            serviceValues,
        });
    }
    const strayService = SERVICE_INPUTS.filter((name) => serviceValues[name] !== '');
    if (strayService.length > 0) {
        throw new errors_1.ConfigurationError(strayService[0], 'belongs to service mode (service) and is not used without it; remove it, or set service.');
    }
    if (script !== '') {
        const stray = CONTAINER_INPUTS.filter((name) => containerValues[name] !== '');
        if (stray.length > 0) {
            throw new errors_1.ConfigurationError(stray[0], 'belongs to container mode (image + container) and is not used with script; remove it.');
        }
        return { kind: 'script', script, variables: readVariables(envsText, environment) };
    }
    if (imageText === '' && containerText === '') {
        // Copying files is a step of its own (upload without script).
        if (runner.getInput('upload').trim() !== '' && envsText === '')
            return { kind: 'upload' };
        throw new errors_1.ConfigurationError('script', 'or image + container is required: a script to run on the servers, or an image to run as a container there.');
    }
    if (envsText !== '') {
        throw new errors_1.ConfigurationError('envs', "is for script mode; in container mode give the container's variables in 'env' (KEY=VALUE lines).");
    }
    if (imageText === '') {
        throw new errors_1.ConfigurationError('image', 'is required with container: the image to run, best by digest.');
    }
    if (containerText === '') {
        throw new errors_1.ConfigurationError('container', 'is required with image: the name of the container to replace.');
    }
    const env = (0, container_spec_1.parseEnv)(containerValues.env);
    for (const [, value] of env) {
        if (value.length >= SHORTEST_MASKED_VALUE)
            (0, mask_1.maskSecret)(value, (form) => runner.setSecret(form));
    }
    const spec = {
        image: (0, container_spec_1.parseImage)(imageText),
        container: (0, container_spec_1.parseContainerName)(containerText),
        ports: (0, container_spec_1.parsePorts)(containerValues.ports),
        volumes: (0, container_spec_1.parseVolumes)(containerValues.volumes),
        env,
        runArgs: (0, container_spec_1.parseRunArgs)(containerValues['run-args']),
        restart: (0, container_spec_1.parseRestart)(restartText),
    };
    return {
        kind: 'container',
        spec,
        registry: readRegistry(containerValues),
        keepPrevious,
        prune,
        healthCmd: containerValues['health-cmd'] || undefined,
        healthTimeoutMs,
        rollback,
        stopTimeoutSeconds: Math.ceil(stopTimeoutMs / 1000),
    };
}
const SERVICE_INPUTS = ['replicas', 'networks', 'constraints', 'update-order'];
function readServiceMode(runner, serviceText, imageText, values, common) {
    const service = (0, swarm_spec_1.parseServiceName)('service', serviceText);
    const env = (0, container_spec_1.parseEnv)(values.env);
    for (const [, value] of env) {
        if (value.length >= SHORTEST_MASKED_VALUE)
            (0, mask_1.maskSecret)(value, (form) => runner.setSecret(form));
    }
    const replicasText = common.serviceValues.replicas.trim();
    const spec = {
        service,
        image: imageText === '' ? undefined : (0, container_spec_1.parseImage)(imageText),
        ports: (0, swarm_spec_1.parseServicePorts)(values.ports),
        volumes: (0, container_spec_1.parseVolumes)(values.volumes),
        env,
        replicas: replicasText === '' ? undefined : (0, input_values_1.parseInteger)('replicas', replicasText, 0, 1000),
        networks: (0, swarm_spec_1.parseNetworks)(common.serviceValues.networks),
        constraints: (0, swarm_spec_1.parseConstraints)(common.serviceValues.constraints),
        healthCmd: values['health-cmd'] || undefined,
        updateParallelism: (0, input_values_1.parseInteger)('update-parallelism', runner.getInput('update-parallelism'), 0, 1000),
        updateDelayMs: (0, duration_1.parseDuration)('update-delay', runner.getInput('update-delay')),
        updateOrder: (0, swarm_spec_1.parseUpdateOrder)(common.serviceValues['update-order']),
        monitorMs: common.healthTimeoutMs,
        rollback: common.rollback,
        maxFailureRatio: (0, swarm_spec_1.parseRatio)('max-failure-ratio', runner.getInput('max-failure-ratio')),
        stopGracePeriodMs: common.stopTimeoutMs,
    };
    if (spec.healthCmd !== undefined && /[\n\r]/.test(spec.healthCmd)) {
        throw new errors_1.ConfigurationError('health-cmd', 'must be one line in service mode (Swarm runs it with the image shell, as CMD-SHELL).');
    }
    return { kind: 'service', spec, registry: readRegistry(values) };
}
function readRegistry(values) {
    const { registry, 'registry-username': username, 'registry-password': password } = values;
    if (registry === '' && username === '' && password === '')
        return undefined;
    if (registry === '' || username === '' || password === '') {
        throw new errors_1.ConfigurationError(registry === '' ? 'registry' : username === '' ? 'registry-username' : 'registry-password', 'is required: registry, registry-username and registry-password go together, to log in to the registry on the server.');
    }
    if (/[\s\0]/.test(username)) {
        throw new errors_1.ConfigurationError('registry-username', 'cannot hold spaces or line breaks.');
    }
    return { host: (0, container_spec_1.parseRegistry)(registry), username, password };
}
/** `envs`: names of the step's environment variables to hand to the script. */
function readVariables(raw, environment) {
    const variables = {};
    for (const name of (0, input_values_1.parseList)(raw, /[\s,]+/)) {
        if (!(0, remote_shell_1.isAssignableName)(name)) {
            throw new errors_1.ConfigurationError('envs', `'${name}' cannot be a shell variable: letters, digits and '_', not starting with a digit, and not one of bash's read-only names.`);
        }
        const value = environment[name];
        if (value === undefined) {
            throw new errors_1.ConfigurationError('envs', `${name} is not set in the step's environment. Set it under the step's env: (e.g. ${name}: \${{ secrets.${name} }}).`);
        }
        variables[name] = value;
    }
    return variables;
}


/***/ }),

/***/ 3057:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.splitKeys = splitKeys;
exports.loginKey = loginKey;
exports.readKeyFile = readKeyFile;
// The private keys a step logs in with: `key` (or `key-file`) may hold several, one after
// another. Each is read, decrypted and parsed once, before any connection, and every host is
// offered each key in turn, as an SSH agent with several identities does.
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const host_keys_1 = __nccwpck_require__(2440);
/** One armoured block: `-----BEGIN X-----` to `-----END X-----`. */
const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
/**
 * The keys of a `key` input, in order. Text without any armoured block is returned whole, so
 * that reading it says what is wrong with it.
 */
function splitKeys(text) {
    const blocks = [...text.matchAll(BLOCK)].map((match) => `${match[0]}\n`);
    return blocks.length > 0 ? blocks : [text];
}
function loginKey(parsed) {
    return { parsed, fingerprint: (0, host_keys_1.fingerprintOf)(parsed.getPublicSSH()) };
}
/**
 * Reads `key-file` from the workspace (relative paths) and refuses it, as OpenSSH does, when
 * its group or others have any permission on it: a key others can read is no longer secret.
 */
function readKeyFile(given, workspace) {
    const resolved = node_path_1.default.resolve(workspace, given);
    let mode;
    try {
        mode = (0, node_fs_1.statSync)(resolved).mode;
    }
    catch (error) {
        throw new errors_1.ConfigurationError('key-file', `cannot read ${given} (${(0, errors_1.errorMessage)(error)}): give the path of a file the job wrote, e.g. with install -m 600 /dev/null key && printf '%s\\n' "$KEY" > key.`);
    }
    if ((mode & 0o077) !== 0) {
        throw new errors_1.ConfigurationError('key-file', `${given} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}: its group or others may read it, and OpenSSH refuses such a key. Make it readable by its owner alone (chmod 600 ${given}).`);
    }
    try {
        return (0, node_fs_1.readFileSync)(resolved, 'utf8');
    }
    catch (error) {
        throw new errors_1.ConfigurationError('key-file', `cannot read ${given} (${(0, errors_1.errorMessage)(error)}).`);
    }
}


/***/ }),

/***/ 2296:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.run = run;
exports.main = main;
const node_fs_1 = __nccwpck_require__(3024);
const errors_1 = __nccwpck_require__(9223);
const step_1 = __nccwpck_require__(6254);
const summary_1 = __nccwpck_require__(6834);
const connector_1 = __nccwpck_require__(1198);
const deploy_container_1 = __nccwpck_require__(548);
const fan_out_1 = __nccwpck_require__(7865);
const host_log_1 = __nccwpck_require__(932);
const inputs_1 = __nccwpck_require__(8024);
const remote_shell_1 = __nccwpck_require__(5472);
const report_1 = __nccwpck_require__(5903);
const run_script_1 = __nccwpck_require__(7894);
const ssh_1 = __nccwpck_require__(6951);
const mask_1 = __nccwpck_require__(7624);
const stack_file_1 = __nccwpck_require__(6340);
const upload_plan_1 = __nccwpck_require__(562);
const upload_run_1 = __nccwpck_require__(4004);
/** The `stdout` output of a single host keeps this many characters (outputs are size-limited). */
const STDOUT_OUTPUT_CHARACTERS = 1_000_000;
async function run() {
    await (0, step_1.runMainStep)(main);
}
async function main(ctx) {
    const inputs = (0, inputs_1.getInputs)(ctx.runner, ctx.env);
    for (const note of inputs.notes)
        ctx.log.warning(note);
    if (inputs.insecure) {
        ctx.log.warning("insecure-skip-host-key-check is on: the servers' identity is not checked, so anyone on the network path could pose as them and receive the credentials and the script. Set 'fingerprint' or 'known-hosts' instead.");
    }
    // The files to upload are found, and their links checked, before any connection.
    const uploadPlan = inputs.upload
        ? (0, upload_plan_1.planUpload)(inputs.upload, ctx.env.GITHUB_WORKSPACE ?? process.cwd())
        : undefined;
    // Every input is read and checked: only now is ssh2 worth loading, to read the keys.
    await (0, ssh_1.loadSsh2)();
    checkKeys(inputs, (value) => (0, mask_1.maskSecret)(value, (form) => ctx.runner.setSecret(form)));
    const layout = (0, host_log_1.chooseLayout)(inputs.targets.length, inputs.parallel);
    // One log per host: the upload and the script on that host write to the same.
    const hostLogs = new Map();
    const hostLog = (label) => {
        const log = hostLogs.get(label) ?? new host_log_1.HostLog(label, layout, (line) => ctx.runner.info(line));
        hostLogs.set(label, log);
        return log;
    };
    const uploading = uploadPlan
        ? new upload_run_1.UploadingConnector({ plan: uploadPlan, logFor: hostLog, clock: ctx.clock }, inputs, ctx)
        : undefined;
    const connector = uploading ?? new connector_1.Connector(inputs, ctx);
    const mode = inputs.mode;
    if (mode.kind === 'service' || mode.kind === 'stack') {
        await runSwarmMode(ctx, inputs, mode, connector);
        return;
    }
    let outcomes;
    try {
        if (mode.kind === 'script') {
            // On a terminal, sudo prompts with a text of this run's own, which the step answers.
            const { marker, prompt } = (0, ssh_1.newSudoPrompt)();
            const script = {
                program: (0, remote_shell_1.scriptProgram)(mode.script, mode.terminal ? { ...mode.variables, SUDO_PROMPT: `${prompt}: ` } : mode.variables),
                timeoutMs: inputs.commandTimeoutMs,
                keptStdout: STDOUT_OUTPUT_CHARACTERS,
                terminal: mode.terminal && {
                    prompt: marker,
                    sudoPassword: mode.terminal.sudoPassword,
                },
            };
            outcomes = await (0, fan_out_1.fanOut)(inputs.targets, inputs, (target) => (0, run_script_1.runScriptOn)(target, script, connector, hostLog(target.label), ctx.clock));
        }
        else if (mode.kind === 'upload') {
            outcomes = await (0, fan_out_1.fanOut)(inputs.targets, inputs, (target) => (0, upload_run_1.uploadOnlyOn)(target, connector, hostLog(target.label), ctx.clock));
        }
        else {
            outcomes = await (0, fan_out_1.fanOut)(inputs.targets, inputs, (target) => (0, deploy_container_1.deployContainerOn)(target, mode, inputs.commandTimeoutMs, connector, hostLog(target.label), ctx.clock));
        }
    }
    finally {
        await connector.closeAll();
    }
    for (const outcome of outcomes) {
        const key = connector.keysUsed.get(outcome.host);
        if (key)
            outcome.key = key;
    }
    writeOutputs(ctx, mode.kind, outcomes, uploading?.sent);
    await writeSummary(ctx, outcomes, mode.kind, uploading?.sent);
    const failure = (0, fan_out_1.failureMessage)(outcomes, FAILED_WORK[mode.kind]);
    if (failure) {
        if (outcomes.length > 1) {
            for (const outcome of outcomes) {
                if (outcome.status === 'failed' || outcome.status === 'rolled-back') {
                    ctx.log.error(outcome.error ?? `${outcome.host}: ${outcome.status}`);
                }
            }
        }
        throw new errors_1.ActionFailure(failure);
    }
}
async function runSwarmMode(ctx, inputs, mode, connector) {
    const label = mode.kind === 'service' ? mode.spec.service : mode.stack;
    // A chunk of its own in the bundle, with the Docker API client and Node's http it loads.
    const { deployService, deployStack } = await __nccwpck_require__.e(/* import() */ 933).then(__nccwpck_require__.bind(__nccwpck_require__, 933));
    const log = new host_log_1.HostLog(label, 'single', (line) => ctx.runner.info(line));
    let outcomes;
    try {
        if (mode.kind === 'service') {
            outcomes = [
                await deployService(inputs.targets, mode, inputs.commandTimeoutMs, connector, log, ctx.clock, ctx.log),
            ];
        }
        else {
            const plan = (0, stack_file_1.planStack)(await __nccwpck_require__.e(/* import() */ 815).then(__nccwpck_require__.t.bind(__nccwpck_require__, 8815, 19)), mode.composeFile.given, readComposeFile(mode), mode.image, mode.stackServices);
            outcomes = await deployStack(inputs.targets, mode, plan, inputs.commandTimeoutMs, connector, log, ctx.clock, ctx.log);
        }
    }
    finally {
        await connector.closeAll();
    }
    const first = outcomes.find((outcome) => outcome.deployedImage !== '') ?? outcomes[0];
    ctx.runner.setOutput('results', (0, report_1.serviceResultsJson)(outcomes));
    ctx.runner.setOutput('previous-image', first.previousImage);
    ctx.runner.setOutput('deployed-image', first.deployedImage);
    const summary = ctx.summary.addHeading(mode.kind === 'service' ? 'Swarm deploy' : `Swarm stack ${(0, summary_1.escapeHtml)(mode.stack)}`, 3);
    for (const [index, section] of (0, report_1.serviceSummary)(outcomes).entries()) {
        summary.addHeading((0, summary_1.escapeHtml)(section.heading), 4).addTable((0, summary_1.tableRows)(section.rows));
        if (section.log.length > 0) {
            summary.addDetails(`${(0, summary_1.escapeHtml)(outcomes[index].service)}: the failed task's last log lines`, `<pre>${(0, summary_1.escapeHtml)(section.log.join('\n'))}</pre>`);
        }
    }
    await summary.write();
    const bad = outcomes.filter((outcome) => !['updated', 'created', 'unchanged'].includes(outcome.status));
    if (bad.length === 0)
        return;
    if (outcomes.length === 1)
        throw new errors_1.ActionFailure(bad[0].error ?? `${label}: ${bad[0].status}`);
    for (const outcome of bad)
        ctx.log.error(outcome.error ?? `${outcome.service}: ${outcome.status}`);
    throw new errors_1.ActionFailure(`${label}: ${bad.length} of ${outcomes.length} services failed: ${outcomes.map((outcome) => `${outcome.service} ${outcome.status}`).join(', ')}.`);
}
function readComposeFile(mode) {
    try {
        return (0, node_fs_1.readFileSync)(mode.composeFile.path, 'utf8');
    }
    catch (error) {
        throw new errors_1.ConfigurationError('compose-file', `cannot read ${mode.composeFile.given} (${(0, errors_1.errorMessage)(error)}): give a path in the workspace, after actions/checkout.`);
    }
}
/**
 * Checks the keys before any connection, and puts each in a form ssh2 reads (a PKCS#8 key is
 * converted in memory: the converted text is masked like the key).
 */
function checkKeys(inputs, mask) {
    const check = (credentials, keyInput, passphraseInput) => {
        if (!credentials.privateKey)
            return;
        // Each key is read and parsed once here, not again for every host.
        const read = (0, ssh_1.readLoginKeys)(keyInput, passphraseInput, credentials.privateKey, credentials.passphrase);
        for (const converted of read.converted)
            mask(converted);
        credentials.keys = read.keys;
    };
    check(inputs.credentials, 'key', 'passphrase');
    const proxy = inputs.proxy?.endpoint.credentials;
    if (proxy && proxy !== inputs.credentials)
        check(proxy, 'proxy-key', 'proxy-passphrase');
}
const FAILED_WORK = {
    script: 'The script',
    container: 'The deploy',
    upload: 'The upload',
};
function writeOutputs(ctx, kind, outcomes, uploaded) {
    ctx.runner.setOutput('results', (0, report_1.resultsJson)(outcomes, kind, uploaded));
    if (kind === 'upload')
        return;
    if (kind === 'script') {
        // Like $(...) in a shell: the trailing newlines are the end of the output, not part of it.
        const stdout = outcomes.length === 1 ? (outcomes[0].stdout ?? '').replace(/\n+$/, '') : '';
        ctx.runner.setOutput('stdout', stdout);
    }
    else {
        // With several hosts these name the first host's containers; `results` has every host's.
        ctx.runner.setOutput('previous-image', outcomes[0].previousImage ?? '');
        ctx.runner.setOutput('deployed-image', outcomes[0].deployedImage ?? '');
    }
}
async function writeSummary(ctx, outcomes, mode, uploaded) {
    const heading = { script: 'SSH script', container: 'Container deploy', upload: 'SSH upload' };
    const summary = ctx.summary
        .addHeading(heading[mode], 3)
        .addTable((0, summary_1.tableRows)((0, report_1.summaryRows)(outcomes, mode, uploaded)));
    for (const outcome of outcomes) {
        if (outcome.containerLog && outcome.containerLog.length > 0) {
            summary.addDetails(`${(0, summary_1.escapeHtml)(outcome.host)}: the new container's last log lines`, `<pre>${(0, summary_1.escapeHtml)(outcome.containerLog.join('\n'))}</pre>`);
        }
    }
    await summary.write();
}


/***/ }),

/***/ 9360:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.BoundedText = exports.LineSplitter = void 0;
exports.prefixed = prefixed;
const node_string_decoder_1 = __nccwpck_require__(6193);
/**
 * Cuts a byte stream into lines as it arrives. UTF-8 characters split across chunks are
 * joined first; a last line without a newline comes out at end().
 */
class LineSplitter {
    onLine;
    decoder = new node_string_decoder_1.StringDecoder('utf8');
    pending = '';
    constructor(onLine) {
        this.onLine = onLine;
    }
    push(chunk) {
        this.pending += this.decoder.write(chunk);
        let newline = this.pending.indexOf('\n');
        while (newline >= 0) {
            this.onLine(this.pending.slice(0, newline).replace(/\r$/, ''));
            this.pending = this.pending.slice(newline + 1);
            newline = this.pending.indexOf('\n');
        }
    }
    end() {
        this.pending += this.decoder.end();
        if (this.pending !== '')
            this.onLine(this.pending.replace(/\r$/, ''));
        this.pending = '';
    }
}
exports.LineSplitter = LineSplitter;
/** A server's line as it shows in a log shared by several hosts. */
function prefixed(label, line) {
    return `${label} | ${line}`;
}
/** Keeps the first `limit` characters of what is appended, and says whether more came. */
class BoundedText {
    limit;
    text = '';
    truncated = false;
    constructor(limit) {
        this.limit = limit;
    }
    append(piece) {
        if (this.truncated)
            return;
        const room = this.limit - this.text.length;
        if (piece.length > room) {
            this.text += piece.slice(0, room);
            this.truncated = true;
        }
        else {
            this.text += piece;
        }
    }
    toString() {
        return this.text;
    }
}
exports.BoundedText = BoundedText;


/***/ }),

/***/ 746:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.isPkcs8 = isPkcs8;
exports.fromPkcs8 = fromPkcs8;
// Private keys in PKCS#8 form (`BEGIN PRIVATE KEY`, `BEGIN ENCRYPTED PRIVATE KEY`), as
// `ssh-keygen -m PKCS8` and many key managers write them. ssh2 reads OpenSSH keys and the
// older PEM forms only: Node's crypto reads (and decrypts) the PKCS#8 key, and it is handed to
// ssh2 in a form ssh2 reads, in memory only: RSA as PKCS#1, ECDSA as SEC1, Ed25519 as an
// unencrypted OpenSSH key.
const node_crypto_1 = __nccwpck_require__(7598);
const errors_1 = __nccwpck_require__(9223);
const PKCS8_BEGIN = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/;
function isPkcs8(key) {
    return PKCS8_BEGIN.test(key);
}
/** An SSH wire-format string: its length (4 bytes, big-endian), then its bytes. */
function sshString(value) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
}
function uint32(value) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value);
    return bytes;
}
/** An Ed25519 key as an unencrypted OpenSSH private key (PROTOCOL.key of OpenSSH). */
function openSshEd25519(key) {
    const jwk = key.export({ format: 'jwk' });
    const seed = Buffer.from(jwk.d ?? '', 'base64url');
    const publicBytes = Buffer.from((0, node_crypto_1.createPublicKey)(key).export({ format: 'jwk' }).x ?? '', 'base64url');
    const type = 'ssh-ed25519';
    const publicBlob = Buffer.concat([sshString(type), sshString(publicBytes)]);
    const check = (0, node_crypto_1.randomBytes)(4);
    let secret = Buffer.concat([
        check,
        check,
        sshString(type),
        sshString(publicBytes),
        sshString(Buffer.concat([seed, publicBytes])),
        sshString(''),
    ]);
    // Padded to the cipher's block size (8 for none) with the bytes 1, 2, 3...
    const padding = (8 - (secret.length % 8)) % 8;
    secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
    const body = Buffer.concat([
        Buffer.from('openssh-key-v1\0', 'latin1'),
        sshString('none'),
        sshString('none'),
        sshString(''),
        uint32(1),
        sshString(publicBlob),
        sshString(secret),
    ]);
    const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
    return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
/**
 * A PKCS#8 key, decrypted with `passphrase` when it is encrypted, in a form ssh2 reads (without
 * a passphrase). Errors name the inputs as a wrong passphrase or an unusable key deserve.
 */
function fromPkcs8(keyInput, passphraseInput, key, passphrase) {
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key);
    if (encrypted && passphrase === undefined) {
        throw new errors_1.ConfigurationError(passphraseInput, `is required: the key in '${keyInput}' is encrypted. Pass its passphrase as a secret.`);
    }
    let keyObject;
    try {
        keyObject = (0, node_crypto_1.createPrivateKey)({
            key,
            format: 'pem',
            ...(encrypted ? { passphrase } : {}),
        });
    }
    catch (error) {
        if (encrypted) {
            throw new errors_1.ConfigurationError(passphraseInput, `does not decrypt the key in '${keyInput}'.`);
        }
        throw new errors_1.ConfigurationError(keyInput, `holds a PKCS#8 key that cannot be read (${error.message}). Give the whole file, from its -----BEGIN line to its -----END line.`);
    }
    switch (keyObject.asymmetricKeyType) {
        case 'rsa':
            return keyObject.export({ format: 'pem', type: 'pkcs1' }).toString();
        case 'ec':
            return keyObject.export({ format: 'pem', type: 'sec1' }).toString();
        case 'ed25519':
            return openSshEd25519(keyObject);
        default:
            throw new errors_1.ConfigurationError(keyInput, `holds a PKCS#8 ${keyObject.asymmetricKeyType ?? 'unknown'} key; SSH keys are Ed25519, ECDSA or RSA.`);
    }
}


/***/ }),

/***/ 5472:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.PGID_LINE = exports.remoteFiles = void 0;
exports.remoteCommand = remoteCommand;
exports.terminalRemoteCommand = terminalRemoteCommand;
exports.shellQuote = shellQuote;
exports.lines = lines;
exports.isAssignableName = isAssignableName;
exports.remoteProgram = remoteProgram;
exports.scriptProgram = scriptProgram;
exports.killProgram = killProgram;
// How a program reaches a server, and the one place where TypeScript writes shell: the prelude
// of quoted values in front of a program. The programs themselves are the shell files in
// remote/, which shellcheck reads and remote/programs.test.ts runs under dash and bash.
//
// The command line sshd hands to the user's login shell is fixed text, choose-shell.sh then
// bootstrap.sh, and nothing else: no user value is ever part of it. The program travels over
// the channel's stdin: strict-mode.sh, then the prelude, then the program's own text.
const node_fs_1 = __nccwpck_require__(3024);
/**
 * The files of remote/, read when a program is built. Each path is written out whole: that is
 * the form of path ncc recognises, to copy the file into dist/ssh-redeploy/ beside the bundle
 * and point the bundle at the copy.
 */
exports.remoteFiles = {
    chooseShell: () => (0, node_fs_1.readFileSync)(__nccwpck_require__.ab + "choose-shell.sh", 'utf8'),
    bootstrap: () => (0, node_fs_1.readFileSync)(__nccwpck_require__.ab + "bootstrap.sh", 'utf8'),
    bootstrapPty: () => (0, node_fs_1.readFileSync)(__nccwpck_require__.ab + "bootstrap-pty.sh", 'utf8'),
    strictMode: () => (0, node_fs_1.readFileSync)(__nccwpck_require__.ab + "strict-mode.sh", 'utf8'),
    killGroup: () => (0, node_fs_1.readFileSync)(__nccwpck_require__.ab + "kill-group.sh", 'utf8'),
    deployContainer: () => (0, node_fs_1.readFileSync)(__nccwpck_require__.ab + "deploy-container.sh", 'utf8'),
    swarmStatus: () => (0, node_fs_1.readFileSync)(__nccwpck_require__.ab + "swarm-status.sh", 'utf8'),
    swarmDocker: () => (0, node_fs_1.readFileSync)(__nccwpck_require__.ab + "swarm-docker.sh", 'utf8'),
};
/** A file's commands without its comment lines, which only people need. */
function commandLines(text) {
    return text.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}
/**
 * A file as one word of the command line: its commands on one line, single-quoted. It must
 * hold no single quote, as fish reads `\'` inside single quotes as a quote where sh, bash and
 * zsh do not: without one, the word is the same in every login shell.
 */
function commandWord(text) {
    const line = commandLines(text).join(' ');
    if (line.includes("'"))
        throw new Error('a command-line program cannot hold a single quote');
    return `'${line}'`;
}
/** What sshd hands to the login shell: runs the bootstrap under bash, or sh without bash. */
function remoteCommand() {
    return `sh -c ${commandWord(exports.remoteFiles.chooseShell())} ${commandWord(exports.remoteFiles.bootstrap())}`;
}
/** The command line of a session with a terminal (request-pty): see bootstrap-pty.sh. */
function terminalRemoteCommand() {
    return `sh -c ${commandWord(exports.remoteFiles.chooseShell())} ${commandWord(exports.remoteFiles.bootstrapPty())}`;
}
/** The bootstrap's line on stderr (after whatever the login shell's rc files printed). */
exports.PGID_LINE = /(^|\n)ssh-redeploy-pgid (\d*)\n/;
/** A POSIX shell word that stands for exactly `value`, whatever its bytes (NUL aside). */
function shellQuote(value) {
    if (value.includes('\0'))
        throw new Error('a shell word cannot hold a NUL character');
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
/** A list as programs read it: one item a line, so an item cannot hold a line break. */
function lines(items) {
    for (const item of items) {
        if (item.includes('\n'))
            throw new Error('a list item for a program cannot hold a line break');
    }
    return items.join('\n');
}
/** The names of a program's own values: capitals, so that shellcheck takes them as given. */
const PROGRAM_VARIABLE = /^[A-Z][A-Z0-9_]*$/;
/** Shell names that cannot or must not be assigned: bash would stop at the first of them. */
const RESERVED = new Set([
    'BASHOPTS',
    'BASHPID',
    'BASH_ARGC',
    'BASH_ARGV',
    'BASH_LINENO',
    'BASH_SOURCE',
    'BASH_VERSINFO',
    'EUID',
    'FUNCNAME',
    'GROUPS',
    'PPID',
    'SHELLOPTS',
    'UID',
]);
function isAssignableName(name) {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name) && !name.startsWith('__srd_');
}
/**
 * `NAME='value'` lines for a program's values, then `export name='value'` lines for the
 * variables handed to a user's script (named as the user chose, checked by inputs.ts).
 */
function prelude(values, exported) {
    const assignments = Object.entries(values).map(([name, value]) => {
        if (!PROGRAM_VARIABLE.test(name))
            throw new Error(`not a program variable: ${name}`);
        return `${name}=${shellQuote(value)}\n`;
    });
    const exports = Object.entries(exported).map(([name, value]) => {
        if (!isAssignableName(name))
            throw new Error(`not a variable name: ${name}`);
        return `export ${name}=${shellQuote(value)}\n`;
    });
    return [...assignments, ...exports].join('');
}
/** What the bootstrap runs: strict mode, the prelude of values, then the program's text. */
function remoteProgram(text, values, exported = {}) {
    // Without its comments, strict mode is as many lines as ever: a script's line numbers in
    // the shell's error messages stay what they were.
    const strictMode = `${commandLines(exports.remoteFiles.strictMode()).join('\n')}\n`;
    return `${strictMode}${prelude(values, exported)}${text}${text.endsWith('\n') ? '' : '\n'}`;
}
/** The program of script mode: the user's script, with the `envs` variables exported. */
function scriptProgram(script, variables) {
    return remoteProgram(script, {}, variables);
}
/**
 * The program that ends a timed-out program's whole process group from a second channel,
 * SIGTERM and, `graceSeconds` later, SIGKILL; `pgid` is the number the bootstrap printed,
 * checked to be one.
 */
function killProgram(pgid, graceSeconds) {
    if (!/^[1-9]\d*$/.test(pgid))
        throw new Error(`not a process group: ${pgid}`);
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0)
        throw new Error('not a grace period');
    return remoteProgram(exports.remoteFiles.killGroup(), { PGID: pgid, GRACE: String(graceSeconds) });
}


/***/ }),

/***/ 5903:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.resultsJson = resultsJson;
exports.summaryRows = summaryRows;
exports.serviceResultsJson = serviceResultsJson;
exports.serviceSummary = serviceSummary;
const duration_1 = __nccwpck_require__(3788);
const swarm_status_1 = __nccwpck_require__(1488);
const upload_run_1 = __nccwpck_require__(4004);
const NOTHING_SENT = { files: 0, bytes: 0, deleted: 0 };
/** Each host's stdout in `results` keeps this much; the `stdout` output of one host keeps more. */
const RESULT_STDOUT_CHARACTERS = 65_536;
/**
 * The `results` output: one object per host, in the order of `host`; `uploaded` (what each
 * host was sent) when the step uploads.
 */
function resultsJson(outcomes, mode, uploaded) {
    return JSON.stringify(outcomes.map((outcome) => {
        const base = {
            host: outcome.host,
            status: outcome.status,
            exitCode: outcome.exitCode,
            durationMs: Math.round(outcome.durationMs),
            ...(outcome.error ? { error: outcome.error } : {}),
            ...(outcome.key ? { key: outcome.key } : {}),
            ...(uploaded ? { uploaded: { ...(uploaded.get(outcome.host) ?? NOTHING_SENT) } } : {}),
        };
        if (mode === 'upload')
            return base;
        return mode === 'script'
            ? { ...base, stdout: (outcome.stdout ?? '').slice(0, RESULT_STDOUT_CHARACTERS) }
            : {
                ...base,
                previousImage: outcome.previousImage ?? '',
                deployedImage: outcome.deployedImage ?? '',
            };
    }));
}
const STATUS_TEXT = {
    success: '✅ success',
    failed: '❌ failed',
    'rolled-back': '↩️ rolled back',
    skipped: '⏭️ skipped',
};
/** The job summary's table as rows of cells; the first row is the header. */
function summaryRows(outcomes, mode, uploaded) {
    const header = mode === 'script'
        ? ['Host', 'Result', 'Exit code', 'Time taken', 'Detail']
        : mode === 'upload'
            ? ['Host', 'Result', 'Time taken', 'Detail']
            : ['Host', 'Result', 'Time taken', 'Previous image', 'Deployed image', 'Detail'];
    // The upload's column comes before the detail, the last column.
    const withUpload = (cells, sent) => uploaded ? [...cells.slice(0, -1), sent, ...cells.slice(-1)] : cells;
    const rows = outcomes.map((outcome) => {
        const took = outcome.status === 'skipped' ? '' : (0, duration_1.formatDuration)(outcome.durationMs);
        const detail = outcome.error ?? '';
        const sent = (0, upload_run_1.describeUpload)(uploaded?.get(outcome.host) ?? NOTHING_SENT);
        if (mode === 'upload') {
            return withUpload([outcome.host, STATUS_TEXT[outcome.status], took, detail], sent);
        }
        const cells = mode === 'script'
            ? [outcome.host, STATUS_TEXT[outcome.status], String(outcome.exitCode ?? ''), took, detail]
            : [
                outcome.host,
                STATUS_TEXT[outcome.status],
                took,
                outcome.previousImage || '(none)',
                outcome.deployedImage || '',
                detail,
            ];
        return withUpload(cells, sent);
    });
    return [withUpload(header, 'Uploaded'), ...rows];
}
/** The `results` output in service mode: one object per service. */
function serviceResultsJson(outcomes) {
    return JSON.stringify(outcomes.map((outcome) => ({
        service: outcome.service,
        status: outcome.status,
        host: outcome.host,
        durationMs: Math.round(outcome.durationMs),
        ...(outcome.error ? { error: outcome.error } : {}),
        previousImage: outcome.previousImage,
        deployedImage: outcome.deployedImage,
        replicas: outcome.replicas,
        tasks: outcome.tasks,
    })));
}
const SERVICE_STATUS_TEXT = {
    updated: '✅ updated',
    created: '✅ created',
    unchanged: '✅ unchanged',
    'rolled-back': '↩️ rolled back',
    paused: '⏸️ paused',
    failed: '❌ failed',
};
/** One section of the job summary per service: its result, then its tasks by node. */
function serviceSummary(outcomes) {
    return outcomes.map((outcome) => {
        const rows = [
            ['Node', 'Task state', 'Image', 'Error'],
            ...outcome.tasks.map((task) => [task.node, task.state, (0, swarm_status_1.shortImage)(task.image), task.error]),
        ];
        const heading = `${outcome.service}: ${SERVICE_STATUS_TEXT[outcome.status]}, ${outcome.replicas} tasks running, ` +
            `${(0, duration_1.formatDuration)(outcome.durationMs)}` +
            (outcome.error ? `. ${outcome.error}` : '');
        return { heading, rows, log: outcome.taskLog };
    });
}


/***/ }),

/***/ 7894:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.runScriptOn = runScriptOn;
exports.runOnHost = runOnHost;
const duration_1 = __nccwpck_require__(3788);
const errors_1 = __nccwpck_require__(9223);
const output_1 = __nccwpck_require__(9360);
const ssh_1 = __nccwpck_require__(6951);
/** Connects to one host, runs the program there and says how it ended. */
async function runScriptOn(target, run, connector, log, clock) {
    const started = clock.now();
    const stdout = new output_1.BoundedText(run.keptStdout);
    const outcome = (fields) => {
        const result = {
            host: target.label,
            ...fields,
            durationMs: clock.now() - started,
            // A terminal ends its lines with CRLF; the output gives them as a script's are.
            stdout: run.terminal ? stdout.toString().replace(/\r\n/g, '\n') : stdout.toString(),
        };
        if (!fields.error)
            delete result.error;
        return result;
    };
    log.begin(target.label);
    let result;
    try {
        result = await runOnHost(target, run.program, run.timeoutMs, connector, log, {
            stdoutChunk: (chunk) => stdout.append(chunk.toString('utf8')),
            terminal: run.terminal,
        });
    }
    catch (error) {
        const message = (0, errors_1.errorMessage)(error);
        log.info(message);
        const failed = outcome({ status: 'failed', exitCode: null, error: message });
        log.end(`${target.label}: failed`);
        return failed;
    }
    const took = (0, duration_1.formatDuration)(clock.now() - started);
    const ended = describeEnd(target.label, result, run.timeoutMs);
    const final = ended
        ? outcome({ status: 'failed', exitCode: result.code, error: ended })
        : outcome({ status: 'success', exitCode: 0 });
    log.info(ended ?? `${target.label}: the script succeeded in ${took}.`);
    if (stdout.truncated) {
        log.info(`(the stdout output keeps the first ${run.keptStdout} characters)`);
    }
    log.end(`${target.label}: ${final.status} (${took})`);
    return final;
}
/**
 * Connects to a host, runs a program with its output streamed line by line to the host's log,
 * and releases the connection, whatever happens. Throws when the host cannot be reached.
 */
async function runOnHost(target, program, timeoutMs, connector, log, handlers = {}) {
    const connection = await connector.connect(target);
    try {
        log.info(`Connected to ${target.label} as ${target.username} (host key ${connection.hostKeyNote}).`);
        const out = new output_1.LineSplitter((line) => {
            if (!handlers.stdoutLine?.(line))
                log.line(line);
        });
        const err = new output_1.LineSplitter((line) => log.line(line));
        log.startOutput();
        try {
            return await connection.run(program, {
                stdout: (chunk) => {
                    handlers.stdoutChunk?.(chunk);
                    out.push(chunk);
                },
                stderr: (chunk) => err.push(chunk),
            }, timeoutMs, handlers.terminal);
        }
        finally {
            out.end();
            err.end();
            log.endOutput();
        }
    }
    finally {
        connector.release(connection);
    }
}
/** Why the program did not succeed, or undefined when it did. */
function describeEnd(label, result, timeoutMs) {
    if (result.timedOut && result.connectionLost) {
        return `${label}: the script did not finish within command-timeout (${(0, duration_1.formatDuration)(timeoutMs)}), and then the connection failed (${result.connectionLost}): its processes may still run there.`;
    }
    if (result.timedOut) {
        return `${label}: the script did not finish within command-timeout (${(0, duration_1.formatDuration)(timeoutMs)}); it was sent SIGTERM, then SIGKILL what was left of it after 15 s.`;
    }
    if (result.sudoRefused)
        return `${label}: ${result.sudoRefused}`;
    if (result.connectionLost) {
        return `${label}: the connection was lost before the script ended (${result.connectionLost}).`;
    }
    if (result.code === 0)
        return undefined;
    if (result.code === null) {
        return `${label}: the script was ended by signal ${(0, ssh_1.signalName)(result) ?? 'unknown'}.`;
    }
    return `${label}: the script failed with exit code ${result.code}.`;
}


/***/ }),

/***/ 6951:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Connection = void 0;
exports.loadSsh2 = loadSsh2;
exports.readLoginKeys = readLoginKeys;
exports.connect = connect;
exports.newSudoPrompt = newSudoPrompt;
exports.signalName = signalName;
// The one module that speaks SSH, through ssh2. ssh2 is big: it is loaded on first use, after
// the inputs have been read and checked, so a configuration error fails fast.
const node_crypto_1 = __nccwpck_require__(7598);
const errors_1 = __nccwpck_require__(9223);
const duration_1 = __nccwpck_require__(3788);
const host_port_1 = __nccwpck_require__(5088);
const retry_1 = __nccwpck_require__(4280);
const keys_1 = __nccwpck_require__(3057);
const pkcs8_key_1 = __nccwpck_require__(746);
const host_keys_1 = __nccwpck_require__(2440);
const remote_shell_1 = __nccwpck_require__(5472);
let loaded;
/**
 * Loads ssh2 (a chunk of its own in the bundle, read only when a connection is due): its client
 * and key parser alone, not its index, which also loads Node's http, https and tls for HTTP
 * agents the action never uses (about a quarter of the CPU time ssh2 takes to load).
 */
async function loadSsh2() {
    if (loaded)
        return;
    const [client, keyParser] = await Promise.all([
        Promise.all(/* import() */[__nccwpck_require__.e(789), __nccwpck_require__.e(297)]).then(__nccwpck_require__.t.bind(__nccwpck_require__, 6297, 23)),
        __nccwpck_require__.e(/* import() */ 789).then(__nccwpck_require__.t.bind(__nccwpck_require__, 1789, 23)),
    ]);
    loaded = { Client: client.default, parseKey: keyParser.parseKey };
}
function ssh2() {
    if (!loaded)
        throw new Error('ssh2 is used before loadSsh2()');
    return loaded;
}
/**
 * Every key of a key input, read, decrypted and parsed once (see readPrivateKey). Returns
 * the keys and the texts converted from PKCS#8, which the caller masks like the input.
 */
function readLoginKeys(keyInput, passphraseInput, text, passphrase) {
    const keys = [];
    const converted = [];
    const texts = (0, keys_1.splitKeys)(text);
    for (const [index, keyText] of texts.entries()) {
        const which = texts.length > 1 ? `${keyInput} (key ${index + 1} of ${texts.length})` : keyInput;
        const read = readPrivateKey(which, passphraseInput, keyText, passphrase);
        if (read.converted)
            converted.push(read.privateKey);
        const parsed = ssh2().parseKey(read.privateKey, read.passphrase);
        // readPrivateKey has read it already: this cannot fail.
        if (parsed instanceof Error)
            throw parsed;
        keys.push((0, keys_1.loginKey)(Array.isArray(parsed) ? parsed[0] : parsed));
    }
    return { keys, converted };
}
/**
 * The private key in a form ssh2 reads, checked before any connection (see checkPrivateKey):
 * a PKCS#8 key is decrypted and converted (pkcs8-key.ts), in memory only.
 */
function readPrivateKey(keyInput, passphraseInput, key, passphrase) {
    if ((0, pkcs8_key_1.isPkcs8)(key)) {
        const privateKey = (0, pkcs8_key_1.fromPkcs8)(keyInput, passphraseInput, key, passphrase);
        checkPrivateKey(keyInput, passphraseInput, privateKey, undefined);
        return { privateKey, converted: true };
    }
    checkPrivateKey(keyInput, passphraseInput, key, passphrase);
    return { privateKey: key, passphrase, converted: false };
}
/**
 * Checks that a private key can be read, and decrypted with its passphrase, before any
 * connection: a wrong passphrase is the user's mistake, not the server's refusal.
 */
function checkPrivateKey(keyInput, passphraseInput, key, passphrase) {
    const parsed = ssh2().parseKey(key, passphrase);
    if (parsed instanceof Error) {
        const message = parsed.message;
        if (/no passphrase/i.test(message)) {
            throw new errors_1.ConfigurationError(passphraseInput, `is required: the key in '${keyInput}' is encrypted. Pass its passphrase as a secret.`);
        }
        if (/passphrase|decrypt|bad decrypt/i.test(message) && passphrase !== undefined) {
            throw new errors_1.ConfigurationError(passphraseInput, `does not decrypt the key in '${keyInput}'.`);
        }
        throw new errors_1.ConfigurationError(keyInput, `is not a private key this action can read (${message}). Give the whole private key file, from its -----BEGIN line to its -----END line: OpenSSH, PEM (RSA, ECDSA) or PKCS#8 format (encrypted or not), Ed25519, ECDSA or RSA.`);
    }
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    if (first.getPrivatePEM() === null && !first.isPrivateKey()) {
        throw new errors_1.ConfigurationError(keyInput, 'holds a public key. Give the private key (the file without .pub); its public half goes in the server user’s ~/.ssh/authorized_keys.');
    }
}
/** The server's host key was not one the step accepts; no credentials were sent. */
class HostKeyRejected extends errors_1.ActionFailure {
    constructor(endpoint, presented, revoked, fingerprintInput) {
        const keys = presented.map((key) => `${(0, host_keys_1.fingerprintOf)(key)} (${(0, host_keys_1.keyTypeOf)(key)})`).join(', ');
        super(revoked
            ? `${endpoint.label}: the server presented a host key marked @revoked in 'known-hosts' (${keys}). Refused before logging in.`
            : `${endpoint.label}: host key verification failed. The server presented ${keys}, which matches no '${fingerprintInput}' and no 'known-hosts' line for ${(0, host_keys_1.knownHostsName)(endpoint.host, endpoint.port)}. ` +
                'Nothing was sent to it. If the server was reinstalled or its keys changed, check the new fingerprint on the server itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) before updating the workflow; otherwise someone may be posing as it.');
        this.name = 'HostKeyRejected';
    }
}
class AuthenticationFailed extends errors_1.ActionFailure {
    constructor(endpoint) {
        const { privateKey, password, keys = [] } = endpoint.credentials;
        const keyWord = keys.length > 1 ? `${keys.length} keys` : 'key';
        const given = [privateKey && keyWord, password && 'password'].filter(Boolean).join(' and ');
        const checks = [
            privateKey &&
                `that the key's public half is in ~${endpoint.username}/.ssh/authorized_keys on the server`,
            password && 'the password, and that the server accepts passwords (PasswordAuthentication)',
        ].filter(Boolean);
        super(`${endpoint.label}: the server refused to log in ${endpoint.username} with the ${given || 'no credentials'} given. ` +
            `Check ${checks.join(', and ')}, and the user name.`);
        this.name = 'AuthenticationFailed';
    }
}
/** A failure that another attempt may cure: refused, reset, timed out, unreachable. */
class TransientConnectionError extends Error {
}
const TRANSIENT_CODES = new Set([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EAI_AGAIN',
    'EPIPE',
    'ECONNABORTED',
]);
function isTransient(error) {
    const { code, level, message } = error;
    if (code && TRANSIENT_CODES.has(code))
        return true;
    if (level === 'client-timeout' || level === 'client-socket')
        return true;
    return /timed out|connection refused|closed before|socket hang up|ECONNRESET/i.test(message ?? '');
}
/** An open SSH connection to one server. */
class Connection {
    client;
    endpoint;
    hostKeyNote;
    keyFingerprint;
    constructor(client, endpoint, 
    /** How the host key was accepted, for the log. */
    hostKeyNote, 
    /** The fingerprint of the key that logged in; undefined when a password did. */
    keyFingerprint) {
        this.client = client;
        this.endpoint = endpoint;
        this.hostKeyNote = hostKeyNote;
        this.keyFingerprint = keyFingerprint;
    }
    /** Runs a program (see remote-shell.ts) and streams its output; never rejects on exit codes. */
    run(program, handlers, timeoutMs, terminal) {
        return runProgram(this.client, program, handlers, timeoutMs, terminal);
    }
    /** Opens a stream to a Unix socket of the server (OpenSSH's streamlocal forwarding). */
    openSocket(socketPath) {
        return new Promise((resolve, reject) => {
            this.client.openssh_forwardOutStreamLocal(socketPath, (error, stream) => {
                if (error)
                    reject(error);
                else
                    resolve(stream);
            });
        });
    }
    /** Opens a TCP stream from the server, for a jump host. */
    dial(host, port) {
        return new Promise((resolve, reject) => {
            this.client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
                if (!error)
                    resolve(stream);
                // Reason 1 is SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254).
                else if (error.reason === 1) {
                    // The jump host's sshd forbids forwarding: asking again cannot help.
                    reject(new errors_1.ActionFailure(`${this.endpoint.label} may not forward connections to ${(0, host_port_1.formatHostPort)(host, port)}: its sshd must allow TCP forwarding (AllowTcpForwarding).`));
                }
                else {
                    reject(new TransientConnectionError(`${this.endpoint.label} could not reach ${(0, host_port_1.formatHostPort)(host, port)} (${error.message})`));
                }
            });
        });
    }
    close() {
        this.client.end();
    }
}
exports.Connection = Connection;
/**
 * Connects and logs in, retrying connection failures with exponential backoff. Host-key and
 * authentication failures are not retried: another attempt would meet the same answer.
 */
async function connect(endpoint, settings, { log, clock }, dial) {
    try {
        return await (0, retry_1.withRetry)(() => connectVerified(endpoint, settings, dial), {
            attempts: settings.retries + 1,
            backoff: { initialMs: 1_000, maxMs: 15_000 },
            clock,
            classify: (error) => error instanceof TransientConnectionError
                ? { retry: true, reason: error.message }
                : { retry: false },
            onRetry: ({ attempt, delayMs, reason }) => log.warning(`${endpoint.label}: ${reason}; connecting again in ${(0, duration_1.formatDuration)(delayMs)} (attempt ${attempt + 1} of ${settings.retries + 1}).`),
        });
    }
    catch (error) {
        if (error instanceof TransientConnectionError) {
            throw new errors_1.ActionFailure(`${endpoint.label}: could not connect: ${error.message}${settings.retries > 0 ? ` (${settings.retries + 1} attempts)` : ''}.`);
        }
        throw error;
    }
}
/**
 * One connection, verified: when the server presents a key of another type than the one a
 * fingerprint is of, the type it presented is withdrawn from the offer and the handshake is
 * made again, until the server has no other type to present.
 */
async function connectVerified(endpoint, settings, dial) {
    const fingerprintInput = settings.fingerprintInput ?? 'fingerprint';
    let algorithms = (0, host_keys_1.algorithmsToOffer)(settings.policy, endpoint.host, endpoint.port);
    const presented = [];
    for (;;) {
        const attempt = await handshake(endpoint, settings, algorithms, dial);
        if (attempt.connection)
            return attempt.connection;
        if (attempt.rejectedKey) {
            presented.push(attempt.rejectedKey);
            if (attempt.revoked)
                throw new HostKeyRejected(endpoint, presented, true, fingerprintInput);
            const withdrawn = (0, host_keys_1.algorithmsOfKeyType)((0, host_keys_1.keyTypeOf)(attempt.rejectedKey));
            algorithms = algorithms.filter((algorithm) => !withdrawn.includes(algorithm));
            if (algorithms.length > 0)
                continue;
            throw new HostKeyRejected(endpoint, presented, false, fingerprintInput);
        }
        const error = attempt.error;
        // The server has no key of the types left to offer: the ones it had were all refused.
        if (presented.length > 0 && /no matching|host key/i.test(error.message)) {
            throw new HostKeyRejected(endpoint, presented, false, fingerprintInput);
        }
        if (/no matching .*host key/i.test(error.message)) {
            throw new errors_1.ActionFailure(`${endpoint.label}: the server has no host key of the types listed for it in 'known-hosts' (${algorithms.join(', ')}). Run ssh-keyscan ${endpoint.port === 22 ? '' : `-p ${endpoint.port} `}${endpoint.host} again and check the lines.`);
        }
        throw error;
    }
}
async function handshake(endpoint, settings, algorithms, dial) {
    const { Client } = ssh2();
    const sock = dial ? await dial(endpoint.host, endpoint.port) : undefined;
    return new Promise((resolve, reject) => {
        const client = new Client();
        let verdictNote = '';
        let rejected;
        const attempts = authAttempts(endpoint, settings.debug);
        let settled = false;
        const settle = (outcome) => {
            if (settled)
                return;
            settled = true;
            outcome();
        };
        client.on('ready', () => settle(() => resolve({
            connection: new Connection(client, endpoint, verdictNote, attempts.current()),
        })));
        client.on('error', (error) => {
            settle(() => {
                client.end();
                if (rejected) {
                    resolve({ rejectedKey: rejected.key, revoked: rejected.revoked });
                }
                else if (error.level === 'client-authentication') {
                    reject(new AuthenticationFailed(endpoint));
                }
                else if (isTransient(error)) {
                    reject(new TransientConnectionError(describeConnectionError(error, settings)));
                }
                else {
                    resolve({ error: new errors_1.ActionFailure(`${endpoint.label}: ${error.message}`) });
                }
            });
        });
        client.on('close', () => settle(() => reject(new TransientConnectionError('the connection closed before logging in'))));
        const config = {
            host: endpoint.host,
            port: endpoint.port,
            username: endpoint.username,
            authHandler: attempts.next,
            readyTimeout: settings.connectTimeoutMs,
            keepaliveInterval: settings.keepaliveIntervalMs,
            keepaliveCountMax: 3,
            tryKeyboard: false,
            algorithms: { serverHostKey: algorithms },
            hostVerifier: (key) => {
                const verdict = (0, host_keys_1.judgeHostKey)(settings.policy, endpoint.host, endpoint.port, key);
                settings.debug?.(`Host key: ${(0, host_keys_1.keyTypeOf)(key)} ${(0, host_keys_1.fingerprintOf)(key)}, ${verdict.accepted ? `accepted (${verdict.how})` : 'refused'}`);
                if (verdict.accepted) {
                    verdictNote = `${(0, host_keys_1.fingerprintOf)(key)} ${verdict.how}`;
                    return true;
                }
                rejected = { key, revoked: verdict.revoked };
                return false;
            },
        };
        if (sock)
            config.sock = sock;
        if (settings.debug)
            config.debug = settings.debug;
        try {
            client.connect(config);
            // SSH is a conversation of small packets: with Nagle's algorithm each answer waits for
            // the delayed ACK of the last one (40 ms on Linux), five times over before a command runs.
            client.setNoDelay(true);
        }
        catch (error) {
            settle(() => reject(new errors_1.ActionFailure(`${endpoint.label}: ${(0, errors_1.errorMessage)(error)}`)));
        }
    });
}
/**
 * What a connection tries, in order: each key, as an agent with several identities offers
 * them, then the password. The keys are parsed already: ssh2 takes them as they are.
 */
function authAttempts(endpoint, debug) {
    const { keys = [], password } = endpoint.credentials;
    const queue = [
        ...keys.map((key) => ({ key })),
        ...(password === undefined ? [] : [{ password }]),
    ];
    let position = 0;
    let current;
    const next = (methodsLeft, _partialSuccess, done) => {
        done(choose(methodsLeft));
    };
    const choose = (methodsLeft) => {
        while (position < queue.length) {
            const attempt = queue[position++];
            const type = attempt.key ? 'publickey' : 'password';
            if (methodsLeft && !methodsLeft.includes(type)) {
                debug?.(`Authentication: the server does not take ${type} (it takes ${methodsLeft.join(', ')})`);
                continue;
            }
            current = attempt.key;
            if (attempt.key) {
                debug?.(`Authentication: trying key ${attempt.key.fingerprint} (${attempt.key.parsed.type})`);
                return { type: 'publickey', username: endpoint.username, key: attempt.key.parsed };
            }
            debug?.('Authentication: trying the password');
            return { type: 'password', username: endpoint.username, password: attempt.password };
        }
        // ssh2 reads false as: nothing more to try.
        return false;
    };
    return { next, current: () => current?.fingerprint };
}
function describeConnectionError(error, settings) {
    if (/timed out/i.test(error.message)) {
        return `no SSH handshake within connect-timeout (${(0, duration_1.formatDuration)(settings.connectTimeoutMs)})`;
    }
    if (error.code === 'ECONNREFUSED')
        return 'connection refused (is sshd listening on that port?)';
    return error.message;
}
/**
 * A sudo prompt of the run's own, `[sudo] password for <user> [<random>]` (sudo fills in %p):
 * its random part, `marker`, is what the step watches the terminal for (TerminalOptions.prompt).
 */
function newSudoPrompt() {
    const marker = `[${(0, node_crypto_1.randomBytes)(8).toString('hex')}]`;
    return { marker, prompt: `[sudo] password for %p ${marker}` };
}
/** A prompt is the end of what the terminal shows, after the last line break. */
const PROMPT_TAIL_CHARACTERS = 4_096;
/** A signal as SSH names it (`KILL`, RFC 4254) in Node's words (`SIGKILL`). */
function signalOf(name) {
    return name ? `SIG${name}` : null;
}
/** The signal that ended a program, as messages name it (`KILL`). */
function signalName(result) {
    return result.signal?.replace(/^SIG/, '');
}
/**
 * After command-timeout: how long the program has between SIGTERM and SIGKILL, to clean up
 * and roll back (remote/kill-group.sh).
 */
const TERM_GRACE_SECONDS = 15;
/** How long closing a channel, or the kill program's own channel, may take. */
const KILL_GRACE_MS = 5_000;
/**
 * After command-timeout, the run ends this much later whatever the server does: a server
 * that stopped answering (without keepalives, nothing else would notice) cannot hold the step.
 */
const GIVE_UP_AFTER_TIMEOUT_MS = 28_000;
function runProgram(client, program, handlers, timeoutMs, terminal) {
    return new Promise((resolve, reject) => {
        const command = terminal ? (0, remote_shell_1.terminalRemoteCommand)() : (0, remote_shell_1.remoteCommand)();
        // A terminal of the usual kind; wide, so that the tools that cut lines to it cut few.
        const options = terminal ? { pty: { term: 'xterm', cols: 200, rows: 50 } } : {};
        client.exec(command, options, (error, stream) => {
            if (error) {
                reject(new errors_1.ActionFailure(`could not start the program: ${error.message}`));
                return;
            }
            let code = null;
            let signal = null;
            let timedOut = false;
            let pgid;
            let stderrHead = Buffer.alloc(0);
            let finished = false;
            let sudoRefused;
            let giveUp;
            const finish = (result) => {
                if (finished)
                    return;
                finished = true;
                clearTimeout(timer);
                clearTimeout(giveUp);
                client.removeListener('close', onConnectionClosed);
                client.removeListener('error', onConnectionError);
                resolve(result);
            };
            const onConnectionClosed = () => finish({ code: null, signal: null, timedOut, connectionLost: 'the connection closed' });
            const onConnectionError = (connectionError) => finish({ code: null, signal: null, timedOut, connectionLost: connectionError.message });
            client.on('close', onConnectionClosed);
            client.on('error', onConnectionError);
            const timer = setTimeout(() => {
                timedOut = true;
                giveUp = setTimeout(() => {
                    finish({
                        code: null,
                        signal: null,
                        timedOut,
                        connectionLost: `no answer for ${GIVE_UP_AFTER_TIMEOUT_MS / 1000} s`,
                    });
                    // Nothing more can be said to it: the socket goes, so that nothing waits on it.
                    client.destroy();
                }, GIVE_UP_AFTER_TIMEOUT_MS);
                void killRemote(client, stream, pgid).finally(() => {
                    // The channel closes once the killed processes let go of its pipes; if something
                    // the program started holds them, closing it ourselves ends the wait.
                    setTimeout(() => stream.close(), KILL_GRACE_MS).unref();
                });
            }, timeoutMs);
            const sudo = terminal
                ? sudoAnswerer(terminal, (text) => stream.write(text), (why) => {
                    sudoRefused = why;
                    // Closing the channel hangs up the terminal: sudo and the script end with it.
                    stream.close();
                })
                : undefined;
            if (terminal) {
                // One stream: the terminal. The bootstrap's line comes first, then the program is sent.
                let head = Buffer.alloc(0);
                stream.on('data', (chunk) => {
                    if (head === undefined) {
                        handlers.stdout(chunk);
                        sudo(chunk);
                        return;
                    }
                    head = Buffer.concat([head, chunk]);
                    const marker = remote_shell_1.PGID_LINE.exec(head.toString('latin1'));
                    if (!marker)
                        return;
                    pgid = marker[2] || undefined;
                    const before = head.subarray(0, marker.index + marker[1].length);
                    const after = head.subarray(marker.index + marker[0].length);
                    head = undefined;
                    if (before.length > 0)
                        handlers.stdout(before);
                    stream.write(`${String(Buffer.byteLength(program)).padStart(10, '0')}${program}`);
                    if (after.length > 0) {
                        handlers.stdout(after);
                        sudo(after);
                    }
                });
            }
            else {
                stream.on('data', (chunk) => handlers.stdout(chunk));
            }
            stream.stderr.on('data', (chunk) => {
                if (stderrHead === undefined) {
                    handlers.stderr(chunk);
                    return;
                }
                // The bootstrap's first line names the process group; everything else is the program's.
                stderrHead = Buffer.concat([stderrHead, chunk]);
                const text = stderrHead.toString('latin1');
                const marker = remote_shell_1.PGID_LINE.exec(text);
                if (marker) {
                    pgid = marker[2] || undefined;
                    const before = stderrHead.subarray(0, marker.index + marker[1].length);
                    const after = stderrHead.subarray(marker.index + marker[0].length);
                    stderrHead = undefined;
                    if (before.length > 0)
                        handlers.stderr(before);
                    if (after.length > 0)
                        handlers.stderr(after);
                }
                else if (stderrHead.length > 65_536) {
                    const head = stderrHead;
                    stderrHead = undefined;
                    handlers.stderr(head);
                }
            });
            stream.on('exit', (exitCode, sshSignal) => {
                code = exitCode;
                signal = signalOf(sshSignal);
            });
            stream.on('close', () => {
                if (stderrHead && stderrHead.length > 0)
                    handlers.stderr(stderrHead);
                finish({ code, signal, timedOut, ...(sudoRefused ? { sudoRefused } : {}) });
            });
            // With a terminal, the channel stays open for sudo's prompts; the program follows the
            // bootstrap's line.
            if (!terminal)
                stream.end(program);
        });
    });
}
/**
 * Watches what the terminal shows for sudo's prompt: answers it once with the password; with
 * no password, or when sudo asks again (the password was wrong), gives up at once. What
 * follows the marker in a prompt tells one sudo from another (container mode's programs give
 * each docker call its own number): each is answered once.
 */
function sudoAnswerer(terminal, write, giveUp) {
    let tail = '';
    const answered = new Set();
    let done = false;
    return (chunk) => {
        if (done)
            return;
        tail = (tail + chunk.toString('utf8')).slice(-PROMPT_TAIL_CHARACTERS);
        const lineBreak = Math.max(tail.lastIndexOf('\n'), tail.lastIndexOf('\r'));
        tail = tail.slice(lineBreak + 1);
        const at = tail.indexOf(terminal.prompt);
        if (at < 0 || !tail.trimEnd().endsWith(':'))
            return;
        const asker = tail
            .slice(at + terminal.prompt.length)
            .trimEnd()
            .slice(0, -1);
        tail = '';
        if (terminal.sudoPassword === undefined) {
            done = true;
            giveUp("sudo asked for a password and 'sudo-password' is not set. Pass the user's password in it, as a secret: sudo-password: ${{ secrets.SUDO_PASSWORD }}.");
        }
        else if (answered.has(asker)) {
            done = true;
            giveUp("sudo refused the password in 'sudo-password' and asked again. Check the secret.");
        }
        else {
            answered.add(asker);
            write(`${terminal.sudoPassword}\n`);
        }
    };
}
/**
 * Ends the program's whole process group from a second channel, with a program sent the way
 * every program is (SIGTERM, then SIGKILL after a grace period), then signals the first channel.
 */
async function killRemote(client, stream, pgid) {
    if (pgid) {
        await new Promise((resolve) => {
            client.exec((0, remote_shell_1.remoteCommand)(), (error, killer) => {
                if (error) {
                    resolve();
                    return;
                }
                killer.resume();
                killer.stderr.resume();
                killer.on('close', () => resolve());
                setTimeout(resolve, TERM_GRACE_SECONDS * 1000 + KILL_GRACE_MS).unref();
                killer.end((0, remote_shell_1.killProgram)(pgid, TERM_GRACE_SECONDS));
            });
        });
    }
    try {
        stream.signal('KILL');
    }
    catch {
        // The channel may be gone already.
    }
}


/***/ }),

/***/ 6340:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.planStack = planStack;
const errors_1 = __nccwpck_require__(9223);
const image_reference_1 = __nccwpck_require__(859);
/** `registry/repository`, with Docker Hub's implicit names made explicit. */
function repositoryOf(image) {
    const reference = (0, image_reference_1.parseImageReference)(image);
    if (!reference)
        return undefined;
    const registry = reference.registry ?? 'docker.io';
    const repository = registry === 'docker.io' && !reference.repository.includes('/')
        ? `library/${reference.repository}`
        : reference.repository;
    return `${registry === 'index.docker.io' ? 'docker.io' : registry}/${repository}`;
}
/**
 * Plans a stack deploy from the compose file's text. With `image`, the services named in
 * `chosen` (default: those whose image has the same repository as `image`) run `image`.
 */
function planStack(yaml, fileName, text, image, chosen) {
    const document = yaml.parseDocument(text);
    if (document.errors.length > 0) {
        throw new errors_1.ConfigurationError('compose-file', `${fileName} is not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
    }
    const root = document.toJS();
    const servicesNode = root !== null && typeof root === 'object' && !Array.isArray(root)
        ? root.services
        : undefined;
    if (servicesNode === null ||
        typeof servicesNode !== 'object' ||
        Array.isArray(servicesNode) ||
        Object.keys(servicesNode).length === 0) {
        throw new errors_1.ConfigurationError('compose-file', `${fileName} has no services: a compose file lists them under a top-level services: key.`);
    }
    const entries = Object.entries(servicesNode);
    const services = entries.map(([name]) => name);
    const imageOf = (value) => value !== null && typeof value === 'object' && 'image' in value
        ? String(value.image)
        : undefined;
    for (const name of chosen) {
        if (!services.includes(name)) {
            throw new errors_1.ConfigurationError('stack-services', `'${name}' is not a service of ${fileName}, which has ${services.join(', ')}.`);
        }
    }
    if (image === undefined) {
        if (chosen.length > 0) {
            throw new errors_1.ConfigurationError('stack-services', 'names the services whose image becomes image; give image too, or remove stack-services.');
        }
        return { text, services, rewritten: [] };
    }
    const wanted = repositoryOf(image);
    const rewritten = chosen.length > 0
        ? chosen
        : entries
            .filter(([, value]) => {
            const current = imageOf(value);
            return current !== undefined && repositoryOf(current) === wanted;
        })
            .map(([name]) => name);
    if (rewritten.length === 0) {
        throw new errors_1.ConfigurationError('stack-services', `no service of ${fileName} runs an image of ${wanted ?? image}: name the services to run image in stack-services.`);
    }
    for (const name of rewritten)
        document.setIn(['services', name, 'image'], image);
    return { text: document.toString(), services, rewritten };
}


/***/ }),

/***/ 6601:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HEALTH_ARGUMENT = void 0;
exports.parseServiceName = parseServiceName;
exports.parseNetworks = parseNetworks;
exports.parseConstraints = parseConstraints;
exports.parseServicePorts = parseServicePorts;
exports.parseRatio = parseRatio;
exports.parseUpdateOrder = parseUpdateOrder;
exports.chooseUpdateOrder = chooseUpdateOrder;
exports.healthFlags = healthFlags;
exports.healthResetFlags = healthResetFlags;
exports.createArguments = createArguments;
exports.updateArguments = updateArguments;
// Service mode's inputs, each checked against Docker's own grammar, and the arguments of
// `docker service create` and `docker service update` made from them. Nothing here runs
// anything: swarm-deploy.ts hands the arguments, one a line, to remote/swarm-apply.sh.
const errors_1 = __nccwpck_require__(9223);
const input_values_1 = __nccwpck_require__(9153);
/**
 * Swarm's rule for service names (a DNS label: letters, digits and '-', not at either end, at
 * most 63 characters); stacks prefix them with `<stack>_`, which a name may then hold.
 */
const SERVICE_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$/;
function parseServiceName(input, raw) {
    if (!SERVICE_NAME.test(raw)) {
        throw new errors_1.ConfigurationError(input, `'${raw}' is not a Swarm ${input === 'stack' ? 'stack' : 'service'} name: letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters.`);
    }
    return raw;
}
/** Network names as Docker takes them. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
function parseNetworks(raw) {
    return (0, input_values_1.parseLines)(raw).flatMap((line) => line.split(',').map((name) => {
        const network = name.trim();
        if (!NETWORK_NAME.test(network)) {
            throw new errors_1.ConfigurationError('networks', `'${network}' is not a network name: letters, digits, '_', '.' and '-', starting with a letter or digit.`);
        }
        return network;
    }));
}
/**
 * `constraints`: one a line, `node.role==worker`, `node.labels.zone!=b`..., as Swarm reads them:
 * a key of letters, digits and `._-`, `==` or `!=`, and a value without spaces or commas (a
 * comma would split the flag's value in two).
 */
const CONSTRAINT = /^(node|engine)\.[a-zA-Z0-9_.-]+ *(==|!=) *[^\s,]+$/;
function parseConstraints(raw) {
    return (0, input_values_1.parseLines)(raw).map((line) => {
        if (!CONSTRAINT.test(line)) {
            throw new errors_1.ConfigurationError('constraints', `'${line}' is not a placement constraint. Write one a line, e.g. node.role==worker or node.labels.zone!=b.`);
        }
        return line.replace(/ +/g, '');
    });
}
function portNumber(text) {
    if (!/^\d{1,5}$/.test(text))
        return undefined;
    const port = Number(text);
    return port >= 1 && port <= 65535 ? port : undefined;
}
/** `ports` in service mode: one a line, `[mode=host,]published:target[/udp]`. */
function parseServicePorts(raw) {
    return (0, input_values_1.parseLines)(raw).map((line) => {
        const match = /^(?:mode=(host|ingress),)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(line);
        const published = match ? portNumber(match[2]) : undefined;
        const target = match ? portNumber(match[3]) : undefined;
        if (!match || published === undefined || target === undefined) {
            throw new errors_1.ConfigurationError('ports', `'${line}' is not a published port of a service. Write [mode=host,]published:target[/udp], one a line, e.g. 8050:8050 (through the routing mesh) or mode=host,8050:8050.`);
        }
        return {
            mode: (match[1] ?? 'ingress'),
            published,
            target,
            protocol: (match[4] ?? 'tcp'),
        };
    });
}
function formatServicePort(port) {
    return `mode=${port.mode},published=${port.published},target=${port.target},protocol=${port.protocol}`;
}
/** A mount as `docker service create --mount` takes it. */
function formatMount(volume) {
    const type = volume.source.startsWith('/') ? 'bind' : 'volume';
    return `type=${type},source=${volume.source},target=${volume.target}${volume.readOnly ? ',readonly' : ''}`;
}
/** A ratio from 0 to 1, as Swarm's --update-max-failure-ratio takes it. */
function parseRatio(input, raw) {
    const text = raw.trim();
    const value = Number(text);
    if (!/^(0|1|0?\.\d+|1\.0*)$/.test(text) || value < 0 || value > 1) {
        throw new errors_1.ConfigurationError(input, `'${raw}' must be a fraction from 0 to 1 (0.2 lets one task in five fail).`);
    }
    return value;
}
function parseUpdateOrder(raw) {
    const text = raw.trim();
    if (text === '')
        return undefined;
    if (text === 'start-first' || text === 'stop-first')
        return text;
    throw new errors_1.ConfigurationError('update-order', `'${raw}' is not an update order: start-first (a new task is healthy before an old one stops) or stop-first.`);
}
/** Durations as Docker reads them: whole milliseconds. */
function dockerDuration(ms) {
    return `${Math.round(ms)}ms`;
}
/**
 * start-first keeps the service answering through an update; a port published in host mode
 * can be held by one task per node only, so there stop-first it must be.
 */
function chooseUpdateOrder(spec, hostModePorts) {
    if (spec.updateOrder)
        return { order: spec.updateOrder };
    if (hostModePorts.length === 0)
        return { order: 'start-first' };
    return {
        order: 'stop-first',
        notice: `${spec.service} publishes port ${hostModePorts.join(', ')} in host mode, where two tasks on one node would clash: updating stop-first (each old task stops before its new one starts). Publish through the routing mesh (ingress) for start-first updates, or set update-order.`,
    };
}
/** The settings of an update, and of the rollback Swarm makes when one fails. */
function updateFlags(spec, order) {
    const flags = [];
    for (const kind of ['update', 'rollback']) {
        flags.push(`--${kind}-parallelism=${spec.updateParallelism}`, `--${kind}-delay=${dockerDuration(spec.updateDelayMs)}`, `--${kind}-order=${order}`, `--${kind}-monitor=${dockerDuration(spec.monitorMs)}`, `--${kind}-max-failure-ratio=${spec.maxFailureRatio}`);
    }
    flags.push(`--update-failure-action=${spec.rollback ? 'rollback' : 'pause'}`);
    flags.push('--rollback-failure-action=pause');
    return flags;
}
/**
 * The argument remote/swarm-docker.sh replaces with the health-cmd flags when the image has no
 * HEALTHCHECK of its own (Swarm's flags would override it), and drops otherwise.
 */
exports.HEALTH_ARGUMENT = '@health';
/** health-cmd as Swarm's flags, for the image that has no HEALTHCHECK. */
function healthFlags(spec) {
    if (spec.healthCmd === undefined)
        return [];
    return [`--health-cmd=${spec.healthCmd}`, '--health-interval=2s', '--health-retries=3'];
}
/**
 * Flags that take back an earlier health-cmd of the service's spec, when the image has a
 * HEALTHCHECK now: with no command and no interval or retries, Docker runs the image's.
 */
function healthResetFlags(existingTest) {
    if (existingTest[0] !== 'CMD' && existingTest[0] !== 'CMD-SHELL')
        return [];
    return ['--health-cmd=', '--health-interval=0s', '--health-retries=0'];
}
const healthPlace = (spec) => (spec.healthCmd === undefined ? [] : [exports.HEALTH_ARGUMENT]);
/** `docker service create` for a service that does not exist yet. */
function createArguments(spec, order, image) {
    return [
        'service',
        'create',
        '--detach',
        '--with-registry-auth',
        `--name=${spec.service}`,
        `--replicas=${spec.replicas ?? 1}`,
        `--stop-grace-period=${dockerDuration(spec.stopGracePeriodMs)}`,
        ...updateFlags(spec, order),
        ...spec.ports.map((port) => `--publish=${formatServicePort(port)}`),
        ...spec.volumes.map((volume) => `--mount=${formatMount(volume)}`),
        ...spec.env.map(([key, value]) => `--env=${key}=${value}`),
        ...spec.networks.map((network) => `--network=${network}`),
        ...spec.constraints.map((constraint) => `--constraint=${constraint}`),
        ...healthPlace(spec),
        image,
    ];
}
/**
 * `docker service update` to the new image and settings. Lists given replace what the service
 * has (ports, mounts, env, constraints); lists not given are left alone. Networks are set at
 * creation only: Swarm names a service's networks by ID, and moving a running service between
 * networks is a change of its own.
 */
function updateArguments(spec, order, existing) {
    const args = ['service', 'update', '--detach', '--with-registry-auth'];
    if (spec.image !== undefined)
        args.push(`--image=${spec.image}`);
    if (spec.replicas !== undefined)
        args.push(`--replicas=${spec.replicas}`);
    args.push(`--stop-grace-period=${dockerDuration(spec.stopGracePeriodMs)}`);
    args.push(...updateFlags(spec, order));
    if (spec.ports.length > 0) {
        for (const port of existing.ports) {
            args.push(`--publish-rm=${port.published}`);
        }
        args.push(...spec.ports.map((port) => `--publish-add=${formatServicePort(port)}`));
    }
    if (spec.volumes.length > 0) {
        for (const target of existing.mounts)
            args.push(`--mount-rm=${target}`);
        args.push(...spec.volumes.map((volume) => `--mount-add=${formatMount(volume)}`));
    }
    if (spec.env.length > 0) {
        const given = new Set(spec.env.map(([key]) => key));
        for (const entry of existing.env) {
            const key = entry.split('=')[0];
            if (!given.has(key))
                args.push(`--env-rm=${key}`);
        }
        args.push(...spec.env.map(([key, value]) => `--env-add=${key}=${value}`));
    }
    if (spec.constraints.length > 0) {
        for (const constraint of existing.constraints) {
            if (!spec.constraints.includes(constraint))
                args.push(`--constraint-rm=${constraint}`);
        }
        for (const constraint of spec.constraints) {
            if (!existing.constraints.includes(constraint))
                args.push(`--constraint-add=${constraint}`);
        }
    }
    args.push(...healthPlace(spec));
    args.push(spec.service);
    return args;
}


/***/ }),

/***/ 1488:
/***/ ((__unused_webpack_module, exports) => {


// What Swarm says about a service, read from remote/swarm-status.sh's output, and what the
// action makes of it: still converging, or done with a status. Pure: swarm-deploy.ts polls.
//
// The CLI's own exit code is not the verdict: a `docker service update` that Swarm rolled back
// exits 0. The verdict is the service's UpdateStatus and its tasks: done when every task Swarm
// wants running runs the image of the service's current spec, and is running (with a
// HEALTHCHECK, Swarm holds a task in `starting` until it is healthy).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.splitSections = splitSections;
exports.hasUnknownNode = hasUnknownNode;
exports.parseSnapshot = parseSnapshot;
exports.snapshotOf = snapshotOf;
exports.wantedTasks = wantedTasks;
exports.shortImage = shortImage;
exports.countConverged = countConverged;
exports.progressLine = progressLine;
exports.phaseOf = phaseOf;
exports.failedTasks = failedTasks;
exports.describeTask = describeTask;
/** The sections of the status program's output, between its `<nonce> <name>` lines. */
function splitSections(output, nonce) {
    const sections = new Map();
    let current;
    let body = [];
    for (const line of output.split('\n')) {
        if (line.startsWith(`${nonce} `)) {
            if (current !== undefined)
                sections.set(current, body.join('\n'));
            current = line.slice(nonce.length + 1).trim();
            body = [];
        }
        else if (current !== undefined) {
            body.push(line);
        }
    }
    if (current !== undefined)
        sections.set(current, body.join('\n'));
    return sections;
}
function parseJsonArray(text, what) {
    const trimmed = (text ?? '').trim();
    if (trimmed === '')
        return [];
    let parsed;
    try {
        parsed = JSON.parse(trimmed);
    }
    catch {
        throw new Error(`the manager's answer about ${what} is not JSON: ${trimmed.slice(0, 200)}`);
    }
    if (!Array.isArray(parsed))
        throw new Error(`the manager's answer about ${what} is not a list`);
    return parsed;
}
/** Whether a task runs on a node whose name is not known yet. */
function hasUnknownNode(snapshot, known) {
    return snapshot.tasks.some((task) => task.nodeId !== '' && !known.has(task.nodeId));
}
/** `ID HOSTNAME` lines into a map. */
function parseNodes(text) {
    const nodes = new Map();
    for (const line of (text ?? '').split('\n')) {
        const [id, hostname] = line.trim().split(/\s+/);
        if (id && hostname)
            nodes.set(id, hostname);
    }
    return nodes;
}
/**
 * The service as the status program printed it; undefined when the service does not exist.
 * `known` holds node names from earlier looks (the program lists nodes only when asked); the
 * nodes of this look are added to it.
 */
function parseSnapshot(output, nonce, known = new Map()) {
    const sections = splitSections(output, nonce);
    for (const [id, hostname] of parseNodes(sections.get('nodes')))
        known.set(id, hostname);
    const services = parseJsonArray(sections.get('service'), 'the service');
    return snapshotOf(services[0], parseJsonArray(sections.get('tasks'), 'the tasks'), known);
}
/**
 * The service from the objects the Docker Engine API returns (which `docker service inspect`
 * and `docker inspect --type task` print as they are); undefined when there is no service.
 */
function snapshotOf(raw, rawTasks, nodes) {
    if (raw === undefined)
        return undefined;
    const spec = raw.Spec ?? {};
    const name = spec.Name ?? '';
    const tasks = rawTasks.map((task) => ({
        id: task.ID ?? '',
        name: task.Slot ? `${name}.${task.Slot}` : `${name}.${(task.NodeID ?? '').slice(0, 12)}`,
        node: nodes.get(task.NodeID ?? '') ?? (task.NodeID ?? '').slice(0, 12),
        nodeId: task.NodeID ?? '',
        image: task.Spec?.ContainerSpec?.Image ?? '',
        state: task.Status?.State ?? '',
        desiredState: task.DesiredState ?? '',
        error: task.Status?.Err ?? '',
        exitCode: task.Status?.ContainerStatus?.ExitCode,
        timestamp: task.Status?.Timestamp ?? '',
    }));
    const ports = (spec.EndpointSpec?.Ports ?? []).map((port) => ({
        published: port.PublishedPort ?? 0,
        target: port.TargetPort ?? 0,
        protocol: port.Protocol ?? 'tcp',
        mode: port.PublishMode ?? 'ingress',
    }));
    return {
        id: raw.ID ?? '',
        name,
        image: spec.TaskTemplate?.ContainerSpec?.Image ?? '',
        previousImage: raw.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image,
        replicas: spec.Mode?.Replicated ? (spec.Mode.Replicated.Replicas ?? 0) : undefined,
        updateState: raw.UpdateStatus?.State,
        updateMessage: raw.UpdateStatus?.Message,
        updateStartedAt: raw.UpdateStatus?.StartedAt,
        version: raw.Version?.Index ?? 0,
        hostModePorts: ports.filter((port) => port.mode === 'host').map((port) => port.published),
        ports,
        mounts: (spec.TaskTemplate?.ContainerSpec?.Mounts ?? []).map((mount) => mount.Target ?? ''),
        env: spec.TaskTemplate?.ContainerSpec?.Env ?? [],
        constraints: spec.TaskTemplate?.Placement?.Constraints ?? [],
        healthTest: spec.TaskTemplate?.ContainerSpec?.Healthcheck?.Test ?? [],
        tasks,
    };
}
/** The tasks Swarm wants running (the current ones, not the history). */
function wantedTasks(snapshot) {
    return snapshot.tasks.filter((task) => task.desiredState === 'running');
}
/** `sha256:ab12cd34ef56` from a reference pinned by digest; else the reference itself. */
function shortImage(image) {
    const at = image.lastIndexOf('@');
    if (at < 0)
        return image;
    const digest = image.slice(at + 1);
    return digest.startsWith('sha256:') ? `${digest.slice(0, 19)}…` : digest;
}
/** Running desired tasks on the spec's image, against the replicas wanted. */
function countConverged(snapshot) {
    const wanted = wantedTasks(snapshot);
    const running = wanted.filter((task) => task.state === 'running' && task.image === snapshot.image).length;
    const desired = snapshot.replicas ?? wanted.length;
    return { running, desired };
}
/** One line for the log: `web: 2/3 tasks on sha256:ab12…, 1 starting on node-2`. */
function progressLine(snapshot) {
    const { running, desired } = countConverged(snapshot);
    const others = wantedTasks(snapshot).filter((task) => !(task.state === 'running' && task.image === snapshot.image));
    const byState = new Map();
    for (const task of others) {
        const key = task.image === snapshot.image ? task.state : `${task.state} (old image)`;
        byState.set(key, [...(byState.get(key) ?? []), task.node]);
    }
    const rest = [...byState].map(([state, nodes]) => `${nodes.length} ${state} on ${[...new Set(nodes)].join(', ')}`);
    const update = snapshot.updateState ? ` [${snapshot.updateState.replace(/_/g, ' ')}]` : '';
    return `${snapshot.name}: ${running}/${desired} tasks on ${shortImage(snapshot.image)}${rest.length > 0 ? `, ${rest.join(', ')}` : ''}${update}`;
}
/** Every desired task runs the spec's image, and there are as many as wanted. */
function isConverged(snapshot) {
    const wanted = wantedTasks(snapshot);
    const { running, desired } = countConverged(snapshot);
    return running >= desired && wanted.every((task) => task.image === snapshot.image);
}
/**
 * Where an update or a creation stands. `before` is the service as it was before the action
 * changed it (undefined when it was created); `image` the spec image the action asked for
 * resolved by Swarm, known once the change is made.
 */
function phaseOf(snapshot, before, failedStarts) {
    const state = snapshot.updateState;
    const updatedNow = before !== undefined && snapshot.updateStartedAt !== before.updateStartedAt && state;
    if (state === 'updating' || state === 'rollback_started')
        return { done: false };
    if (updatedNow && state === 'paused') {
        return { done: true, status: 'paused', reason: snapshot.updateMessage };
    }
    if (updatedNow && state === 'rollback_paused') {
        return { done: true, status: 'failed', reason: snapshot.updateMessage };
    }
    if (updatedNow && state === 'rollback_completed') {
        // Swarm calls a rollback complete before the previous tasks all run again: wait for them.
        return isConverged(snapshot)
            ? { done: true, status: 'rolled-back', reason: snapshot.updateMessage }
            : { done: false };
    }
    if (!isConverged(snapshot)) {
        if (before === undefined && failedStarts > 0 && countConverged(snapshot).running === 0) {
            // A new service has no previous version for Swarm to return to; it would retry forever.
            const desired = countConverged(snapshot).desired;
            if (failedStarts >= Math.max(3, 2 * desired)) {
                return { done: true, status: 'failed', reason: 'its tasks keep failing to start' };
            }
        }
        return { done: false };
    }
    if (before === undefined)
        return { done: true, status: 'created' };
    // The spec's version moves with every update, even one that changes no task (the registry
    // login it carries is new each time): unchanged is the same image on the same tasks.
    const taskIds = (seen) => wantedTasks(seen)
        .map((task) => task.id)
        .sort()
        .join(' ');
    const unchanged = snapshot.image === before.image && taskIds(snapshot) === taskIds(before);
    return { done: true, status: unchanged ? 'unchanged' : 'updated' };
}
/**
 * Tasks that failed (ended with an error, rejected, or exited), newest first: of `image`, or
 * with `{ except }` of any image but that one (after a rollback, the one that runs again).
 */
function failedTasks(snapshot, image) {
    const ofImage = (task) => typeof image === 'string' ? task.image === image : task.image !== image.except;
    return snapshot.tasks
        .filter((task) => ofImage(task) &&
        // A task Swarm shut down itself (an update, a rollback) ends `shutdown` without error.
        (['failed', 'rejected'].includes(task.state) ||
            (task.state === 'shutdown' && task.error !== '')))
        .sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
}
/** `task web.2 on node-2: task: non-zero exit (3)` */
function describeTask(task) {
    const exit = task.exitCode !== undefined && task.exitCode !== 0 ? ` (exit code ${task.exitCode})` : '';
    return `task ${task.name} on ${task.node}: ${task.error || task.state}${task.error.includes('exit') ? '' : exit}`;
}


/***/ }),

/***/ 562:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseUploadMappings = parseUploadMappings;
exports.parseFileMode = parseFileMode;
exports.splitGlob = splitGlob;
exports.planUpload = planUpload;
// What `upload` copies where: the mappings as written (parseUploadMappings, pure), then the
// workspace walked into a list of remote folders, files and links (planUpload), with every
// user mistake (a missing file, a link out of the workspace) found before any connection.
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const glob_1 = __nccwpck_require__(1954);
/** Reads `upload`: one `LOCAL => REMOTE` a line; blank lines and `#` comments are skipped. */
function parseUploadMappings(text) {
    const mappings = [];
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            continue;
        const match = /^(.*?)\s*=>\s*(.*)$/.exec(line);
        if (!match || match[1] === '' || match[2] === '') {
            throw new errors_1.ConfigurationError('upload', `'${line}' is not a mapping: write LOCAL => REMOTE, one a line (dist/ => /srv/app/, compose.yml => /srv/app/compose.yml).`);
        }
        const [, local, remoteText] = match;
        if (remoteText.includes('\0') || local.includes('\0')) {
            throw new errors_1.ConfigurationError('upload', `'${line}' holds a NUL character.`);
        }
        // sftp paths without a leading / are relative to the login's home, as ~/ says.
        const remote = remoteText === '~' ? '.' : remoteText.replace(/^~\//, '');
        if (remote.includes('=>')) {
            throw new errors_1.ConfigurationError('upload', `'${line}' has more than one =>: one mapping a line.`);
        }
        mappings.push({ local, remote });
    }
    return mappings;
}
/** Reads `upload-mode`: an octal mode such as 0640. */
function parseFileMode(text) {
    const value = text.trim();
    if (value === '')
        return undefined;
    if (!/^0?[0-7]{3,4}$/.test(value)) {
        throw new errors_1.ConfigurationError('upload-mode', `'${value}' is not an octal file mode: write it as chmod takes it, e.g. 0640 or 0755.`);
    }
    return Number.parseInt(value, 8);
}
const posix = node_path_1.default.posix;
/** A remote path in its plain form; a trailing / kept apart. */
function remotePath(text) {
    return posix.normalize(text).replace(/(.)\/$/, '$1');
}
/** The fixed folder of a glob and a matcher for the paths below it. */
function splitGlob(pattern) {
    const base = (0, glob_1.literalPrefix)(pattern);
    const regex = (0, glob_1.globToRegExp)(base === '' ? pattern : pattern.slice(base.length + 1));
    return { base: base || '.', matches: (relative) => regex.test(relative) };
}
/**
 * Walks the workspace for the mappings. Throws a ConfigurationError naming `upload` for a
 * missing file, a mapping whose sides do not fit, or a link that leaves the workspace.
 */
function planUpload(settings, workspace) {
    const root = (0, node_fs_1.realpathSync)(workspace);
    const parents = new Set();
    const folders = new Map();
    /** Local paths (files, folders, links) and where they land. */
    const remoteOf = new Map();
    const entries = [];
    const mirrors = [];
    const byRemote = new Map();
    const add = (local, remote, stats) => {
        const earlier = byRemote.get(remote);
        if (earlier !== undefined && earlier !== local) {
            throw new errors_1.ConfigurationError('upload', `${relative(root, earlier)} and ${relative(root, local)} would both land on ${remote}: change one mapping.`);
        }
        byRemote.set(remote, local);
        remoteOf.set(local, remote);
        if (stats.isDirectory())
            folders.set(remote, stats.mode & 0o7777);
        else
            entries.push({ local, remote, stats });
    };
    const walk = (localFolder, remoteFolder) => {
        for (const name of (0, node_fs_1.readdirSync)(localFolder).sort()) {
            const local = node_path_1.default.join(localFolder, name);
            const remote = posix.join(remoteFolder, name);
            const stats = (0, node_fs_1.lstatSync)(local);
            if (stats.isDirectory()) {
                add(local, remote, stats);
                walk(local, remote);
            }
            else if (stats.isFile() || stats.isSymbolicLink())
                add(local, remote, stats);
        }
    };
    for (const { local: given, remote: givenRemote } of settings.mappings) {
        const describe = `'${given} => ${givenRemote}'`;
        const remoteIsFolder = givenRemote.endsWith('/');
        const remote = remotePath(givenRemote);
        if ((0, glob_1.isGlob)(given)) {
            if (!remoteIsFolder) {
                throw new errors_1.ConfigurationError('upload', `${describe}: a glob copies files into a folder: end REMOTE with / (${given} => ${givenRemote}/).`);
            }
            const glob = splitGlob(given);
            const base = inWorkspace(root, glob.base, describe);
            const matched = [];
            const visit = (folder) => {
                for (const name of (0, node_fs_1.readdirSync)(folder).sort()) {
                    const local = node_path_1.default.join(folder, name);
                    const stats = (0, node_fs_1.lstatSync)(local);
                    if (stats.isDirectory())
                        visit(local);
                    else if ((stats.isFile() || stats.isSymbolicLink()) &&
                        glob.matches(node_path_1.default.relative(base, local).split(node_path_1.default.sep).join('/'))) {
                        matched.push({ local, remote: '', stats });
                    }
                }
            };
            if (isFolder(base))
                visit(base);
            if (matched.length === 0) {
                throw new errors_1.ConfigurationError('upload', `${describe}: ${given} matches no file.`);
            }
            for (const { local, stats } of matched) {
                const below = node_path_1.default.relative(base, local).split(node_path_1.default.sep).join('/');
                const target = posix.join(remote, below);
                parents.add(posix.dirname(target));
                add(local, target, stats);
            }
            continue;
        }
        const local = inWorkspace(root, given, describe);
        let stats;
        try {
            stats = (0, node_fs_1.statSync)(local);
        }
        catch {
            throw new errors_1.ConfigurationError('upload', `${describe}: ${given} does not exist in the workspace (after actions/checkout and the build?).`);
        }
        if (stats.isDirectory()) {
            const contentOnly = given.endsWith('/');
            if (!remoteIsFolder) {
                throw new errors_1.ConfigurationError('upload', `${describe}: ${given} is a folder: end REMOTE with / too (${contentOnly ? given : `${given}/`} => ${givenRemote}/ copies its content there${contentOnly ? '' : `, ${given} => ${givenRemote}/ copies the folder into it`}).`);
            }
            const target = contentOnly ? remote : posix.join(remote, node_path_1.default.basename(local));
            if (contentOnly)
                parents.add(target);
            else {
                parents.add(remote);
                add(local, target, stats);
            }
            remoteOf.set(local, target);
            mirrors.push(target);
            walk(local, target);
        }
        else if (given.endsWith('/')) {
            throw new errors_1.ConfigurationError('upload', `${describe}: ${given} is not a folder.`);
        }
        else {
            const target = remoteIsFolder ? posix.join(remote, node_path_1.default.basename(local)) : remote;
            parents.add(posix.dirname(target));
            add(local, target, stats);
        }
    }
    const files = [];
    const links = [];
    for (const entry of entries) {
        if (!entry.stats.isSymbolicLink()) {
            files.push(fileOf(entry.local, entry.remote, entry.stats, settings.fileMode));
            continue;
        }
        const link = resolveLink(root, entry.local, remoteOf);
        if (link.kind === 'link') {
            links.push({ remote: entry.remote, target: linkTarget(entry.remote, link.remote) });
        }
        else {
            files.push(fileOf(link.local, entry.remote, (0, node_fs_1.statSync)(link.local), settings.fileMode));
        }
    }
    const orderedFolders = [...folders]
        .sort(([a], [b]) => depth(a) - depth(b))
        .map(([remote, mode]) => ({ remote, mode }));
    const brought = new Set([
        ...folders.keys(),
        ...files.map((file) => file.remote),
        ...links.map((link) => link.remote),
    ]);
    return {
        parents: [...parents].filter((folder) => !folders.has(folder)),
        folders: orderedFolders,
        files,
        links,
        mirrors: settings.mirror ? mirrors : [],
        brought,
        bytes: files.reduce((sum, file) => sum + file.size, 0),
    };
}
function fileOf(local, remote, stats, fileMode) {
    return { local, remote, mode: fileMode ?? stats.mode & 0o7777, size: stats.size };
}
function depth(remote) {
    return remote.split('/').length;
}
function relative(root, local) {
    return node_path_1.default.relative(root, local).split(node_path_1.default.sep).join('/') || '.';
}
function isFolder(local) {
    try {
        return (0, node_fs_1.statSync)(local).isDirectory();
    }
    catch {
        return false;
    }
}
function isInside(root, local) {
    const between = node_path_1.default.relative(root, local);
    return between === '' || (!between.startsWith('..') && !node_path_1.default.isAbsolute(between));
}
/** A LOCAL path resolved in the workspace; refused when it (or a link on its way) leaves it. */
function inWorkspace(root, given, describe) {
    const local = node_path_1.default.resolve(root, given);
    let real = local;
    try {
        real = (0, node_fs_1.realpathSync)(local);
    }
    catch {
        // A missing path is reported by the caller.
    }
    if (!isInside(root, local) || !isInside(root, real)) {
        throw new errors_1.ConfigurationError('upload', `${describe}: ${given} is outside the workspace. LOCAL is a path in the workspace.`);
    }
    return real;
}
/**
 * A link is copied as a link when it points inside what is uploaded, and as the file it points
 * to when that file is elsewhere in the workspace. A link out of the workspace is refused.
 */
function resolveLink(root, local, remoteOf) {
    const text = (0, node_fs_1.readlinkSync)(local);
    const lexical = node_path_1.default.resolve(node_path_1.default.dirname(local), text);
    let real;
    try {
        real = (0, node_fs_1.realpathSync)(lexical);
    }
    catch {
        real = undefined;
    }
    const name = relative(root, local);
    if (!isInside(root, lexical) || (real !== undefined && !isInside(root, real))) {
        throw new errors_1.ConfigurationError('upload', `${name} is a symbolic link to ${text}, outside the workspace: refused, so that nothing else on the runner is sent. Remove the link, or copy what it points to into the workspace.`);
    }
    const landing = remoteOf.get(lexical) ?? (real === undefined ? undefined : remoteOf.get(real));
    if (landing !== undefined)
        return { kind: 'link', remote: landing };
    if (real === undefined) {
        throw new errors_1.ConfigurationError('upload', `${name} is a symbolic link to ${text}, which does not exist. Remove it or build what it points to.`);
    }
    if (!(0, node_fs_1.statSync)(real).isFile()) {
        throw new errors_1.ConfigurationError('upload', `${name} is a symbolic link to the folder ${text}, which is not uploaded: add that folder to upload, or replace the link.`);
    }
    return { kind: 'file', local: real };
}
/** What a remote link points to: relative when both sides are, so the tree can move. */
function linkTarget(linkRemote, targetRemote) {
    if (posix.isAbsolute(targetRemote) !== posix.isAbsolute(linkRemote))
        return targetRemote;
    return posix.relative(posix.dirname(linkRemote), targetRemote) || '.';
}


/***/ }),

/***/ 4004:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.UploadingConnector = void 0;
exports.uploadOnlyOn = uploadOnlyOn;
exports.describeUpload = describeUpload;
// Puts `upload` on each host's connection, before its script or deploy runs on that same
// connection, and runs it alone when the step has no script (the scp-action use).
const duration_1 = __nccwpck_require__(3788);
const errors_1 = __nccwpck_require__(9223);
const connector_1 = __nccwpck_require__(1198);
const upload_1 = __nccwpck_require__(8796);
/**
 * A Connector that uploads the plan on each host's first connection, before handing it over:
 * a failed upload fails the host before anything runs there.
 */
class UploadingConnector extends connector_1.Connector {
    job;
    /** What was sent to each host (by label), failed uploads included. */
    sent = new Map();
    constructor(job, ...settings) {
        super(...settings);
        this.job = job;
    }
    async connect(...args) {
        const connection = await super.connect(...args);
        const [target] = args;
        if (this.sent.has(target.label))
            return connection;
        const stats = { files: 0, bytes: 0, deleted: 0 };
        this.sent.set(target.label, stats);
        try {
            await uploadOver(connection, target, this.job, stats);
        }
        catch (error) {
            this.release(connection);
            throw error;
        }
        return connection;
    }
}
exports.UploadingConnector = UploadingConnector;
async function uploadOver(connection, target, job, stats) {
    const log = job.logFor(target.label);
    const { plan } = job;
    const started = job.clock.now();
    log.info(`Uploading ${count(plan.files.length + plan.links.length, 'file')} (${formatBytes(plan.bytes)}) to ${target.label}.`);
    const sftp = await (0, upload_1.openSftp)(connection.client).catch((error) => {
        throw new errors_1.ActionFailure(`${target.label}: could not start SFTP (${(0, errors_1.errorMessage)(error)}); the server must offer the sftp subsystem (Subsystem sftp in sshd_config). Nothing was run there.`);
    });
    try {
        await (0, upload_1.upload)(sftp, plan, target.label, stats);
    }
    finally {
        sftp.end();
    }
    log.info(`${target.label}: ${describeUpload(stats)} in ${(0, duration_1.formatDuration)(job.clock.now() - started)}.`);
}
/** A host that only receives files: connects (an UploadingConnector uploads), and closes. */
async function uploadOnlyOn(target, connector, log, clock) {
    const started = clock.now();
    log.begin(target.label);
    try {
        connector.release(await connector.connect(target));
    }
    catch (error) {
        const message = (0, errors_1.errorMessage)(error);
        log.info(message);
        log.end(`${target.label}: failed`);
        return {
            host: target.label,
            status: 'failed',
            exitCode: null,
            durationMs: clock.now() - started,
            error: message,
        };
    }
    const durationMs = clock.now() - started;
    log.end(`${target.label}: success (${(0, duration_1.formatDuration)(durationMs)})`);
    return { host: target.label, status: 'success', exitCode: null, durationMs };
}
/** `12 files, 3.4 MB sent, 2 deleted` for the log and the summary. */
function describeUpload(stats) {
    const deleted = stats.deleted > 0 ? `, ${stats.deleted} deleted` : '';
    return `${count(stats.files, 'file')}, ${formatBytes(stats.bytes)} sent${deleted}`;
}
function count(value, noun) {
    return `${value} ${noun}${value === 1 ? '' : 's'}`;
}
function formatBytes(bytes) {
    if (bytes < 1024)
        return `${bytes} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}


/***/ }),

/***/ 8796:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.openSftp = openSftp;
exports.upload = upload;
// Carries out an upload plan (upload-plan.ts) over SFTP on an open connection, many requests in
// flight at once. Each file is written under a temporary name in its folder, given its mode,
// then renamed over the target with OpenSSH's posix-rename: a reader sees the old file or the
// new one, whole, never a part and never none.
const node_crypto_1 = __nccwpck_require__(7598);
const promises_1 = __nccwpck_require__(1455);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
/** Files written at once: each is a few round trips; many hide the latency. */
const FILES_IN_FLIGHT = 48;
/**
 * Writes in flight for one large file, and their size: 254 KiB, the most one SFTP write of ssh2
 * carries to OpenSSH in one request (larger ones it splits and sends one after the other), and
 * about 2 MiB in flight, the window OpenSSH gives a session channel. Measured on loopback
 * against 100 MiB (npm run bench -- upload, 9 rounds): 8 x 255 KiB 0.97x `sftp`'s time, 16 x 128
 * KiB 1.12x, 32 x 64 KiB 1.25x, 16 x 255 KiB 1.45x; 8 x 254 KiB 0.97x and 0.91x.
 */
const WRITES_IN_FLIGHT = 8;
const CHUNK_BYTES = 254 * 1024;
/** Files up to this size are read whole. */
const SMALL_FILE_BYTES = 1024 * 1024;
const posix = node_path_1.default.posix;
/** SFTP status codes (draft-ietf-secsh-filexfer-02) as words for messages. */
const STATUS_WORDS = {
    2: 'no such file or folder',
    3: 'permission denied',
    4: 'failed',
};
class RemoteError extends Error {
    what;
    constructor(what, reason) {
        super(`${what}: ${describe(reason)}`);
        this.what = what;
    }
}
function describe(error) {
    const { code, message } = error;
    const word = typeof code === 'number' ? STATUS_WORDS[code] : undefined;
    if (word && (!message || /^(failure|permission denied|no such file)$/i.test(message))) {
        return word;
    }
    return message ?? String(error);
}
/** Opens the SFTP subsystem on a connection's client. */
function openSftp(client) {
    return new Promise((resolve, reject) => {
        client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)));
    });
}
/** One SFTP request as a promise. */
function call(what, request) {
    return new Promise((resolve, reject) => {
        try {
            request((error, value) => (error ? reject(new RemoteError(what, error)) : resolve(value)));
        }
        catch (error) {
            reject(new RemoteError(what, error));
        }
    });
}
/** Runs `work` on each item, `limit` at a time; the first failure stops new work and rejects. */
async function pool(items, limit, work) {
    let next = 0;
    let failure;
    const worker = async () => {
        while (failure === undefined && next < items.length) {
            const item = items[next++];
            try {
                await work(item);
            }
            catch (error) {
                failure ??= error instanceof Error ? error : new Error(String(error));
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    if (failure !== undefined)
        throw failure;
}
/**
 * Uploads the plan; `stats` counts as it goes, so a failure still tells what was sent.
 * Throws an ActionFailure naming the host and the remote path that failed.
 */
async function upload(sftp, plan, label, stats) {
    try {
        for (const folder of plan.parents)
            await ensureFolder(sftp, folder);
        const created = [];
        // Parents before children: the folders are ordered by depth, each depth at once.
        const byDepth = new Map();
        for (const folder of plan.folders) {
            const depth = folder.remote.split('/').length;
            byDepth.set(depth, [...(byDepth.get(depth) ?? []), folder]);
        }
        for (const level of byDepth.values()) {
            await pool(level, FILES_IN_FLIGHT, async (folder) => {
                // The user's alone until it is filled; its own mode comes last.
                if (await makeFolder(sftp, folder.remote, { mode: 0o700 }))
                    created.push(folder);
            });
        }
        // The large files first, so that the small ones fill the gaps while they stream.
        const files = [...plan.files].sort((a, b) => b.size - a.size);
        await pool(files, FILES_IN_FLIGHT, async (file) => {
            await putFile(sftp, file);
            stats.files += 1;
            stats.bytes += file.size;
        });
        await pool(plan.links, FILES_IN_FLIGHT, async (link) => {
            const temporary = temporaryName(link.remote);
            await call(`cannot create the link ${link.remote}`, (done) => sftp.symlink(link.target, temporary, (error) => done(error, undefined)));
            await replace(sftp, temporary, link.remote);
            stats.files += 1;
        });
        for (const mirror of plan.mirrors) {
            stats.deleted += await removeStale(sftp, mirror, plan.brought);
        }
        // Modes last, deepest first: a folder without write permission is filled before it gets it.
        for (const folder of created.reverse()) {
            await call(`cannot set the mode of ${folder.remote}`, (done) => sftp.chmod(folder.remote, folder.mode, (error) => done(error, undefined)));
        }
    }
    catch (error) {
        if (error instanceof RemoteError) {
            throw new errors_1.ActionFailure(`${label}: upload failed, ${error.message}. Nothing was run there.`);
        }
        throw error;
    }
}
function temporaryName(remote) {
    return posix.join(posix.dirname(remote), `.${posix.basename(remote)}.${(0, node_crypto_1.randomBytes)(6).toString('hex')}.upload`);
}
function stat(sftp, remote) {
    return new Promise((resolve) => sftp.stat(remote, (error, found) => resolve(error ? undefined : found)));
}
/** Creates a folder and any missing parent (mkdir -p), with the server's default mode. */
async function ensureFolder(sftp, remote) {
    const found = await stat(sftp, remote);
    if (found?.isDirectory())
        return;
    if (found)
        throw new RemoteError(`${remote} is not a folder`, 'it exists as a file');
    const parent = posix.dirname(remote);
    if (parent !== remote && parent !== '.')
        await ensureFolder(sftp, parent);
    await makeFolder(sftp, remote, {});
}
/** Creates a folder; false when it was there already. */
async function makeFolder(sftp, remote, attributes) {
    try {
        await call(`cannot create the folder ${remote}`, (done) => sftp.mkdir(remote, attributes, (error) => done(error, undefined)));
        return true;
    }
    catch (error) {
        const found = await stat(sftp, remote);
        if (found?.isDirectory())
            return false;
        throw error;
    }
}
async function replace(sftp, temporary, remote) {
    try {
        await call(`cannot replace ${remote}`, (done) => sftp.ext_openssh_rename(temporary, remote, (error) => done(error, undefined)));
    }
    catch (error) {
        sftp.unlink(temporary, () => undefined);
        throw error;
    }
}
/** Writes one file under a temporary name, gives it its mode, and renames it over the target. */
async function putFile(sftp, file) {
    const temporary = temporaryName(file.remote);
    // Readable by the user alone while it is written, whatever the umask; its mode comes after.
    const handle = await call(`cannot write ${file.remote}`, (done) => sftp.open(temporary, 'w', { mode: 0o600 }, done));
    try {
        if (file.size <= SMALL_FILE_BYTES) {
            const content = await (0, promises_1.readFile)(file.local);
            await writeAll(sftp, handle, content, 0, file.remote);
        }
        else {
            await streamFile(sftp, handle, file);
        }
        await call(`cannot set the mode of ${file.remote}`, (done) => sftp.fchmod(handle, file.mode, (error) => done(error, undefined)));
    }
    catch (error) {
        sftp.close(handle, () => sftp.unlink(temporary, () => undefined));
        throw error;
    }
    await call(`cannot write ${file.remote}`, (done) => sftp.close(handle, (error) => done(error, undefined)));
    await replace(sftp, temporary, file.remote);
}
function writeAll(sftp, handle, content, position, remote) {
    if (content.length === 0)
        return Promise.resolve();
    return call(`cannot write ${remote}`, (done) => sftp.write(handle, content, 0, content.length, position, (error) => done(error, undefined)));
}
/** A large file: read in chunks, with many writes in flight. */
async function streamFile(sftp, handle, file) {
    const local = await (0, promises_1.open)(file.local, 'r');
    try {
        const positions = [];
        for (let position = 0; position < file.size; position += CHUNK_BYTES)
            positions.push(position);
        await pool(positions, WRITES_IN_FLIGHT, async (position) => {
            const length = Math.min(CHUNK_BYTES, file.size - position);
            const buffer = Buffer.allocUnsafe(length);
            const { bytesRead } = await local.read(buffer, 0, length, position);
            if (bytesRead !== length) {
                throw new errors_1.ActionFailure(`${file.local} changed while it was uploaded.`);
            }
            await writeAll(sftp, handle, buffer, position, file.remote);
        });
    }
    finally {
        await local.close();
    }
}
function readFolder(sftp, remote) {
    return call(`cannot list ${remote}`, (done) => sftp.readdir(remote, done));
}
/** Removes from a mirrored folder what the upload did not bring; returns how many entries. */
async function removeStale(sftp, folder, brought) {
    let removed = 0;
    const entries = await readFolder(sftp, folder);
    for (const entry of entries) {
        if (entry.filename === '.' || entry.filename === '..')
            continue;
        const remote = posix.join(folder, entry.filename);
        const isFolder = entry.attrs.isDirectory();
        if (brought.has(remote)) {
            if (isFolder)
                removed += await removeStale(sftp, remote, brought);
            continue;
        }
        removed += isFolder ? await removeTree(sftp, remote) : await removeOne(sftp, remote);
    }
    return removed;
}
async function removeOne(sftp, remote) {
    await call(`cannot delete ${remote}`, (done) => sftp.unlink(remote, (error) => done(error, undefined)));
    return 1;
}
/** A folder and everything in it; links are removed, never followed. */
async function removeTree(sftp, remote) {
    let removed = 0;
    for (const entry of await readFolder(sftp, remote)) {
        if (entry.filename === '.' || entry.filename === '..')
            continue;
        const child = posix.join(remote, entry.filename);
        removed += entry.attrs.isDirectory()
            ? await removeTree(sftp, child)
            : await removeOne(sftp, child);
    }
    await call(`cannot delete ${remote}`, (done) => sftp.rmdir(remote, (error) => done(error, undefined)));
    return removed + 1;
}


/***/ }),

/***/ 2613:
/***/ ((module) => {

module.exports = require("assert");

/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = require("buffer");

/***/ }),

/***/ 5317:
/***/ ((module) => {

module.exports = require("child_process");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = require("crypto");

/***/ }),

/***/ 2250:
/***/ ((module) => {

module.exports = require("dns");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = require("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = require("fs");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = require("net");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = require("node:crypto");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = require("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = require("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = require("node:http");

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

/***/ 6193:
/***/ ((module) => {

module.exports = require("node:string_decoder");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = require("node:tls");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = require("os");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = require("path");

/***/ }),

/***/ 8551:
/***/ ((module) => {

module.exports = require("process");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = require("stream");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = require("util");

/***/ }),

/***/ 3106:
/***/ ((module) => {

module.exports = require("zlib");

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
const main_1 = __nccwpck_require__(2296);
void (0, main_1.run)();

})();

module.exports = __webpack_exports__;
/******/ })()
;