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

/***/ 6858:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseCidr = parseCidr;
exports.netmaskPrefix = netmaskPrefix;
exports.coveredDefaultRoutes = coveredDefaultRoutes;
exports.describeCover = describeCover;
// Address arithmetic for the full-tunnel guard: whether a set of routes, however it is split,
// sends every address of a family through the tunnel. Comparing strings would let
// `0.0.0.0/1, 128.0.0.0/1` (or four /2s) through where `0.0.0.0/0` is caught.
const node_net_1 = __nccwpck_require__(7030);
const BITS = { 4: 32, 6: 128 };
function ipv4Value(address) {
    return address.split('.').reduce((total, part) => total * 256n + BigInt(Number(part)), 0n);
}
function ipv6Value(address) {
    // An IPv4 tail (::ffff:192.0.2.1) is two groups written another way.
    const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
    let text = address;
    if (tail) {
        const value = ipv4Value(tail[1]);
        text = `${address.slice(0, tail.index)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
    }
    const [head, rest] = text.split('::');
    const groups = (part) => (part ? part.split(':') : []);
    const left = groups(head);
    const right = groups(rest);
    const all = rest === undefined
        ? left
        : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
    return all.reduce((total, group) => total * 0x10000n + BigInt(`0x${group || '0'}`), 0n);
}
/** `10.0.0.0/8`, `fd00::/8`, or a bare address (one host); undefined when it is neither. */
function parseCidr(text) {
    const [address, prefixText, extra] = text.trim().split('/');
    if (extra !== undefined)
        return undefined;
    const family = (0, node_net_1.isIPv4)(address) ? 4 : (0, node_net_1.isIPv6)(address) ? 6 : undefined;
    if (family === undefined)
        return undefined;
    const bits = BITS[family];
    if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText))
        return undefined;
    const prefix = prefixText === undefined ? bits : Number(prefixText);
    if (prefix > bits)
        return undefined;
    const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
    const size = 1n << BigInt(bits - prefix);
    const first = value - (value % size);
    return { family, first, last: first + size - 1n, text: text.trim() };
}
/** An IPv4 netmask (255.255.0.0) as a prefix length; undefined when its bits are not contiguous. */
function netmaskPrefix(netmask) {
    if (!(0, node_net_1.isIPv4)(netmask))
        return undefined;
    const value = ipv4Value(netmask);
    const inverted = ~value & 0xffffffffn;
    // A contiguous mask's complement is 2^n - 1.
    if ((inverted & (inverted + 1n)) !== 0n)
        return undefined;
    return 32 - inverted.toString(2).replace(/^0+/, '').length;
}
function covers(ranges, family) {
    const sorted = ranges.filter((range) => range.family === family);
    sorted.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = 0n;
    for (const range of sorted) {
        if (range.first > next)
            return false;
        if (range.last + 1n > next)
            next = range.last + 1n;
    }
    return next === 1n << BigInt(BITS[family]);
}
/**
 * Which default routes (IPv4, IPv6) the given routes cover between them, and which of the routes
 * do it. Entries that are not CIDRs or addresses are ignored.
 */
function coveredDefaultRoutes(cidrs) {
    const ranges = cidrs.map(parseCidr).filter((range) => range !== undefined);
    const found = [];
    for (const family of [4, 6]) {
        if (!covers(ranges, family))
            continue;
        // Widest first, keeping each route that adds something, until the family is covered.
        const widest = ranges
            .filter((range) => range.family === family)
            .sort((a, b) => {
            const sizeA = a.last - a.first;
            const sizeB = b.last - b.first;
            return sizeA > sizeB ? -1 : sizeA < sizeB ? 1 : a.first < b.first ? -1 : 1;
        });
        const kept = [];
        for (const range of widest) {
            if (kept.some((other) => other.first <= range.first && other.last >= range.last))
                continue;
            kept.push(range);
            if (covers(kept, family))
                break;
        }
        found.push({
            defaultRoute: family === 4 ? '0.0.0.0/0' : '::/0',
            routes: [...new Set(kept.map((range) => range.text))],
        });
    }
    return found;
}
/** `0.0.0.0/1, 128.0.0.0/1, which together cover the default route 0.0.0.0/0`, or shorter. */
function describeCover(cover) {
    const [first] = cover.routes;
    if (cover.routes.length > 1) {
        return `${cover.routes.join(', ')}, which together cover the default route ${cover.defaultRoute}`;
    }
    return first === cover.defaultRoute
        ? `${first}, the default route`
        : `${first}, which covers the default route ${cover.defaultRoute}`;
}


/***/ }),

/***/ 5806:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseCheckTarget = parseCheckTarget;
exports.probeUntil = probeUntil;
exports.checkHost = checkHost;
// The check that the tunnel leads somewhere: a TCP connection to a host behind it.
const promises_1 = __nccwpck_require__(1553);
const node_net_1 = __nccwpck_require__(7030);
const duration_1 = __nccwpck_require__(3788);
const errors_1 = __nccwpck_require__(9223);
const host_port_1 = __nccwpck_require__(5088);
const network_1 = __nccwpck_require__(9473);
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const validPort = (port) => port >= 1 && port <= 65535;
/** Reads `host:port`, `1.2.3.4:port` or `[v6]:port`: a port is required. */
function parseCheckTarget(input, raw) {
    const text = raw.trim();
    const fix = 'Write host:port, e.g. 10.8.0.1:22, db.internal:5432 or [fd00::1]:443.';
    const parsed = (0, host_port_1.parseHostPort)(text);
    if (parsed?.port === undefined) {
        // Whether only the port is wrong: the same text with a valid port would read as host:port.
        const portText = /:(\d+)$/.exec(text)?.[1];
        if (portText !== undefined &&
            !validPort(Number(portText)) &&
            (0, host_port_1.parseHostPort)(`${text.slice(0, -portText.length)}1`)?.port === 1) {
            throw new errors_1.ConfigurationError(input, `the port ${portText} is not from 1 to 65535. ${fix}`);
        }
        throw new errors_1.ConfigurationError(input, `'${raw}' is not host:port. ${fix}`);
    }
    const { host, port } = parsed;
    if (!(0, node_net_1.isIP)(host) && !HOSTNAME.test(host)) {
        throw new errors_1.ConfigurationError(input, `'${host}' is neither an IP address nor a host name. ${fix}`);
    }
    return { host, port };
}
/** One TCP connection attempt; resolves with why it failed, or undefined on success. */
function tryConnect(address, port, timeoutMs) {
    return new Promise((resolve) => {
        const socket = (0, node_net_1.connect)({ host: address, port });
        const done = (problem) => {
            socket.destroy();
            resolve(problem);
        };
        socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
        socket.once('connect', () => done(undefined));
        socket.once('error', (error) => done(error.code ?? error.message));
    });
}
async function resolveHost(host) {
    if ((0, node_net_1.isIP)(host))
        return host;
    return (await (0, promises_1.lookup)(host)).address;
}
/** Tries until one connection succeeds or the deadline passes; returns the last problem. */
async function probeUntil(clock, address, port, deadline) {
    let problem = 'not tried';
    while (clock.now() < deadline) {
        problem = await tryConnect(address, port, Math.max(100, Math.min(3_000, deadline - clock.now())));
        if (problem === undefined)
            return undefined;
        const pause = Math.min(250, deadline - clock.now());
        if (pause > 0)
            await clock.sleep(pause);
    }
    return problem;
}
/** Fails the step unless `target` accepts a TCP connection before the deadline. */
async function checkHost({ exec, clock, log }, target, device, deadline) {
    const shown = (0, host_port_1.formatHostPort)(target.host, target.port);
    let address;
    try {
        address = await resolveHost(target.host);
    }
    catch (error) {
        throw new errors_1.ActionFailure(`check-host ${shown}: the name does not resolve (${error.code ?? String(error)}). Use the host's address inside the VPN.`);
    }
    const via = await (0, network_1.routeDevice)(exec, address);
    if (via && via !== device) {
        log.warning(`check-host ${shown} is reached through ${via}, not through the tunnel's ${device}: its answer says nothing about the tunnel.`);
    }
    const started = clock.now();
    const problem = await probeUntil(clock, address, target.port, deadline);
    if (problem !== undefined) {
        throw new errors_1.ActionFailure(`check-host ${shown} did not accept a TCP connection through the tunnel within ${(0, duration_1.formatDuration)(clock.now() - started)} (${problem}). ` +
            'The tunnel is up, but the host is not reachable through it: check the address, the port, and the routes the server pushes.');
    }
    log.info(`check-host ${shown} accepted a TCP connection through ${via ?? device}.`);
}


/***/ }),

/***/ 4188:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.hasDns = hasDns;
exports.openVpnDns = openVpnDns;
exports.wireGuardDns = wireGuardDns;
exports.sameResolvConf = sameResolvConf;
exports.dnsMethod = dnsMethod;
exports.resolvConfText = resolvConfText;
exports.describeDns = describeDns;
// The tunnel's DNS: which servers and search domains it brings (OpenVPN's dhcp-option, written
// or pushed; WireGuard's DNS line), how the runner is told of them (systemd-resolved, else
// /etc/resolv.conf) and the resolv.conf text that carries them. Pure: resolver.ts applies it.
const node_net_1 = __nccwpck_require__(7030);
function hasDns(dns) {
    return dns.servers.length > 0 || dns.domains.length > 0;
}
// A search domain goes into resolv.conf or resolvectl's argv: letters, digits, dots and hyphens
// only, so that nothing a server pushes can add a line of its own.
const DOMAIN = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;
/** Adds one `dhcp-option` (its words after the name) to the settings. */
function addDhcpOption(dns, [kind = '', value = '']) {
    const type = kind.toUpperCase();
    if ((type === 'DNS' || type === 'DNS6') && (0, node_net_1.isIP)(value) !== 0) {
        if (!dns.servers.includes(value))
            dns.servers.push(value);
    }
    else if ((type === 'DOMAIN' || type === 'DOMAIN-SEARCH') && DOMAIN.test(value)) {
        const domain = value.replace(/\.$/, '');
        if (!dns.domains.includes(domain))
            dns.domains.push(domain);
    }
}
/** OpenVPN's first-match rule: a filter applies when its text begins the pushed option. */
function keptByFilters(option, filters) {
    const match = filters.find((filter) => option.startsWith(filter.text));
    return match === undefined || match.action === 'accept';
}
/**
 * The DNS an OpenVPN connection brings: the config's own dhcp-option lines, then what the
 * server pushed and the config's pull-filters let through.
 */
function openVpnDns(items, pushed) {
    const dns = { servers: [], domains: [] };
    const filters = [];
    for (const item of items) {
        if (item.kind !== 'directive')
            continue;
        if (item.name === 'dhcp-option')
            addDhcpOption(dns, item.args);
        if (item.name === 'pull-filter' && item.args.length >= 2) {
            filters.push({ action: item.args[0], text: item.args[1] });
        }
    }
    for (const option of pushed) {
        const words = option.split(/\s+/);
        if (words[0] === 'dhcp-option' && keptByFilters(option, filters)) {
            addDhcpOption(dns, words.slice(1));
        }
    }
    return dns;
}
/** wg-quick's reading of a DNS line: addresses are servers, the rest search domains. */
function wireGuardDns(values) {
    const dns = { servers: [], domains: [] };
    for (const value of values) {
        if ((0, node_net_1.isIP)(value) !== 0)
            addDhcpOption(dns, ['DNS', value]);
        else
            addDhcpOption(dns, ['DOMAIN', value]);
    }
    return dns;
}
function sameResolvConf(a, b) {
    if (a.kind === 'file' && b.kind === 'file')
        return a.text === b.text;
    if (a.kind === 'symlink' && b.kind === 'symlink')
        return a.target === b.target;
    return a.kind === b.kind;
}
/**
 * Where the runner's resolver takes its servers from: systemd-resolved when it runs and
 * /etc/resolv.conf leads to it (a link into /run/systemd/resolve/, or its stub 127.0.0.53);
 * otherwise the file itself, which the C library reads.
 */
function dnsMethod(runner) {
    if (!runner.resolvedRuns)
        return 'resolv.conf';
    const { resolvConf } = runner;
    if (resolvConf.kind === 'symlink' && resolvConf.target.includes('/run/systemd/resolve/')) {
        return 'resolvectl';
    }
    if (resolvConf.kind === 'file' && /^\s*nameserver\s+127\.0\.0\.53\s*$/m.test(resolvConf.text)) {
        return 'resolvectl';
    }
    return 'resolv.conf';
}
/**
 * The resolv.conf the action writes: the tunnel's servers first, then the runner's own (the C
 * library asks them in order, and stops at the third); the tunnel's search domains before the
 * runner's; the runner's other lines (options) kept.
 */
function resolvConfText(original, dns) {
    const servers = [...dns.servers];
    const domains = [...dns.domains];
    const others = [];
    for (const line of original.split('\n')) {
        const [keyword, ...values] = line.trim().split(/\s+/);
        if (keyword === 'nameserver') {
            for (const value of values.slice(0, 1))
                if (!servers.includes(value))
                    servers.push(value);
        }
        else if (keyword === 'search' || keyword === 'domain') {
            for (const value of values)
                if (!domains.includes(value))
                    domains.push(value);
        }
        else if (line.trim() !== '' && !line.startsWith('# Written by vpn-connect')) {
            others.push(line);
        }
    }
    return [
        "# Written by vpn-connect for the job's VPN; the runner's own file is put back when the job ends.",
        ...servers.map((server) => `nameserver ${server}`),
        ...(domains.length > 0 ? [`search ${domains.join(' ')}`] : []),
        ...others,
        '',
    ].join('\n');
}
/** `servers 10.8.0.1, search corp.example`, for the log. */
function describeDns(dns) {
    const parts = [];
    if (dns.servers.length > 0)
        parts.push(`servers ${dns.servers.join(', ')}`);
    if (dns.domains.length > 0)
        parts.push(`search domains ${dns.domains.join(', ')}`);
    return parts.join('; ');
}


/***/ }),

/***/ 8422:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.getInputs = getInputs;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const input_values_1 = __nccwpck_require__(9153);
const mask_1 = __nccwpck_require__(7624);
const check_host_1 = __nccwpck_require__(5806);
const openvpn_config_1 = __nccwpck_require__(7338);
const wireguard_config_1 = __nccwpck_require__(2248);
const OPENVPN_ONLY = [
    'username',
    'password',
    'ca',
    'cert',
    'key',
    'key-passphrase',
    'tls-auth-key',
    'tls-crypt-key',
];
/** PEM text as GitHub secrets may carry it: CRLF line ends, stray blank lines around. */
function pem(raw) {
    const text = raw.replace(/\r\n?/g, '\n').trim();
    return text === '' ? undefined : `${text}\n`;
}
function expectPem(input, value, begin, what) {
    if (value !== undefined && !begin.test(value)) {
        // Never quote the value: it is a secret, and masking is no reason to print it.
        throw new errors_1.ConfigurationError(input, `is not ${what}: it should start with a -----BEGIN ...----- line. Store the whole PEM file, BEGIN and END lines included, in the secret.`);
    }
}
/** Reads and checks every input. Secrets are masked before anything can print them. */
function getInputs(runner, env) {
    const setSecret = (value) => runner.setSecret(value);
    const secretInputs = {
        config: runner.getInput('config'),
        username: runner.getInput('username'),
        password: runner.getInput('password'),
        ca: runner.getInput('ca'),
        cert: runner.getInput('cert'),
        key: runner.getInput('key'),
        'key-passphrase': runner.getInput('key-passphrase'),
        'tls-auth-key': runner.getInput('tls-auth-key'),
        'tls-crypt-key': runner.getInput('tls-crypt-key'),
    };
    // The whole config is registered as one value, but only the secret parts of it line by
    // line: masking every line of a config would turn the log into asterisks.
    if (secretInputs.config.trim() !== '')
        setSecret(secretInputs.config);
    for (const [name, value] of Object.entries(secretInputs)) {
        if (name !== 'config')
            (0, mask_1.maskSecret)(value, setSecret);
    }
    const typeText = runner.getInput('type').toLowerCase();
    if (typeText !== 'openvpn' && typeText !== 'wireguard') {
        throw new errors_1.ConfigurationError('type', `'${typeText}' is not a VPN type. Use openvpn or wireguard.`);
    }
    const type = typeText;
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const configFileText = runner.getInput('config-file');
    let configText = secretInputs.config;
    let configFile;
    let configDir = workspace;
    if (configText !== '' && configFileText !== '') {
        throw new errors_1.ConfigurationError('config-file', "and 'config' are both given: pass the configuration one way only.");
    }
    if (configFileText !== '') {
        configFile = node_path_1.default.resolve(workspace, configFileText);
        if (!(0, node_fs_1.existsSync)(configFile) || !(0, node_fs_1.statSync)(configFile).isFile()) {
            throw new errors_1.ConfigurationError('config-file', `there is no file at ${configFileText} (looked for ${configFile}). Give a path relative to the workspace, and check out the repository first.`);
        }
        configText = (0, node_fs_1.readFileSync)(configFile, 'utf8');
        configDir = node_path_1.default.dirname(configFile);
    }
    else if (configText === '') {
        throw new errors_1.ConfigurationError('config', `is required, or 'config-file': pass the ${type === 'openvpn' ? '.ovpn' : 'wg-quick .conf'} file's content as a secret (config: \${{ secrets.VPN_CONFIG }}) or its path in the workspace (config-file: vpn/client.${type === 'openvpn' ? 'ovpn' : 'conf'}).`);
    }
    const credentials = {
        username: secretInputs.username || undefined,
        password: secretInputs.password || undefined,
        ca: pem(secretInputs.ca),
        cert: pem(secretInputs.cert),
        key: pem(secretInputs.key),
        keyPassphrase: secretInputs['key-passphrase'] || undefined,
        tlsAuthKey: pem(secretInputs['tls-auth-key']),
        tlsCryptKey: pem(secretInputs['tls-crypt-key']),
    };
    const fullTunnel = (0, input_values_1.parseBoolean)('full-tunnel', runner.getInput('full-tunnel'));
    // The config itself is not listed: its secret parts are, below. Redacting each of its lines
    // would blank out words like `client` wherever they appear.
    const secrets = Object.entries(secretInputs)
        .filter(([name, value]) => name !== 'config' && value !== '')
        .map(([, value]) => value);
    // Problems inside the config are reported against the input that carried it.
    const configInput = configFile ? 'config-file' : 'config';
    let mode;
    if (type === 'wireguard') {
        const given = OPENVPN_ONLY.filter((name) => secretInputs[name] !== '');
        if (given.length > 0) {
            throw new errors_1.ConfigurationError(given[0], "applies to OpenVPN only. A WireGuard config carries its keys itself: put them in 'config'.");
        }
        const wireguard = (0, wireguard_config_1.parseWireGuardConfig)(configText);
        for (const secret of (0, wireguard_config_1.secretsOf)(wireguard))
            (0, mask_1.maskSecret)(secret, setSecret);
        secrets.push(...(0, wireguard_config_1.secretsOf)(wireguard));
        (0, wireguard_config_1.checkWireGuardConfig)(wireguard, fullTunnel, configInput);
        mode = { type, wireguard };
    }
    else {
        checkCredentials(credentials);
        const items = (0, openvpn_config_1.parseOpenVpnConfig)(configText);
        for (const secret of (0, openvpn_config_1.secretBlockContents)(items))
            (0, mask_1.maskSecret)(secret, setSecret);
        secrets.push(...(0, openvpn_config_1.secretBlockContents)(items));
        (0, openvpn_config_1.checkNoPrograms)(items, configInput);
        (0, openvpn_config_1.checkOpenVpnConfig)(items, credentials);
        (0, openvpn_config_1.checkWrittenRoutes)(items, fullTunnel);
        mode = { type, openvpn: { items, credentials } };
    }
    const checkHostText = runner.getInput('check-host');
    return {
        ...mode,
        configDir,
        configFile,
        connectTimeoutMs: (0, input_values_1.parsePositiveDuration)('connect-timeout', runner.getInput('connect-timeout')),
        checkHost: checkHostText ? (0, check_host_1.parseCheckTarget)('check-host', checkHostText) : undefined,
        fullTunnel,
        dns: (0, input_values_1.parseBoolean)('dns', runner.getInput('dns')),
        install: (0, input_values_1.parseBoolean)('install', runner.getInput('install')),
        echoConfig: (0, input_values_1.parseBoolean)('echo-config', runner.getInput('echo-config')),
        secrets,
    };
}
function checkCredentials(credentials) {
    if (credentials.username !== undefined && credentials.password === undefined) {
        throw new errors_1.ConfigurationError('password', "is required with 'username': pass it as a secret, password: ${{ secrets.VPN_PASSWORD }}.");
    }
    if (credentials.password !== undefined && credentials.username === undefined) {
        throw new errors_1.ConfigurationError('username', "is required with 'password'.");
    }
    if (/[\r\n]/.test(credentials.username ?? '') || /[\r\n]/.test(credentials.password ?? '')) {
        throw new errors_1.ConfigurationError(credentials.username && /[\r\n]/.test(credentials.username) ? 'username' : 'password', 'holds a line break, which the auth file cannot carry: store the value on one line.');
    }
    if (credentials.tlsAuthKey && credentials.tlsCryptKey) {
        throw new errors_1.ConfigurationError('tls-crypt-key', "and 'tls-auth-key' are both given: a connection uses one or the other, as the server does.");
    }
    expectPem('ca', credentials.ca, /-----BEGIN CERTIFICATE-----/, 'a PEM certificate');
    expectPem('cert', credentials.cert, /-----BEGIN CERTIFICATE-----/, 'a PEM certificate');
    expectPem('key', credentials.key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key');
    const staticKey = /-----BEGIN OpenVPN Static key V1-----/;
    expectPem('tls-auth-key', credentials.tlsAuthKey, staticKey, 'an OpenVPN static key');
    expectPem('tls-crypt-key', credentials.tlsCryptKey, staticKey, 'an OpenVPN static key');
}


/***/ }),

/***/ 7112:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.requiredTools = requiredTools;
exports.missingPackages = missingPackages;
exports.aptGetArguments = aptGetArguments;
exports.ensureTools = ensureTools;
// Making sure the VPN programs are there, installing them with apt-get when allowed.
const node_fs_1 = __nccwpck_require__(3024);
const errors_1 = __nccwpck_require__(9223);
const system_1 = __nccwpck_require__(8018);
/** What each type needs; wireguard-go only where the kernel has no WireGuard module. */
function requiredTools(type, kernelWireGuard) {
    const ip = { program: 'ip', debianPackage: 'iproute2' };
    if (type === 'openvpn')
        return [{ program: 'openvpn', debianPackage: 'openvpn' }, ip];
    return [
        { program: 'wg-quick', debianPackage: 'wireguard-tools' },
        { program: 'wg', debianPackage: 'wireguard-tools' },
        ip,
        ...(kernelWireGuard ? [] : [{ program: 'wireguard-go', debianPackage: 'wireguard-go' }]),
    ];
}
function missingPackages(tools, find) {
    return [
        ...new Set(tools.filter((tool) => !find(tool.program)).map((tool) => tool.debianPackage)),
    ];
}
async function hasKernelWireGuard(exec) {
    if ((0, node_fs_1.existsSync)('/sys/module/wireguard'))
        return true;
    return (await exec('modinfo', ['-n', 'wireguard'], { timeoutMs: 10_000 })).code === 0;
}
/** apt-get's argv: non-interactive, and waiting for another apt or dpkg to finish. */
function aptGetArguments(command, packages = []) {
    return [
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        '-o',
        'DPkg::Lock::Timeout=300',
        '-q',
        command,
        ...(command === 'install' ? ['-y', '--no-install-recommends', ...packages] : []),
    ];
}
const APT_TIMEOUT_MS = 600_000;
async function ensureTools({ exec, log }, type, install, privilege) {
    const tools = requiredTools(type, type === 'wireguard' && (await hasKernelWireGuard(exec)));
    const missing = missingPackages(tools, (program) => (0, system_1.findExecutable)(program));
    if (missing.length === 0)
        return;
    if (!install) {
        throw new errors_1.ActionFailure(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed. Set install: true, or install ${missing.length > 1 ? 'them' : 'it'} in an earlier step.`);
    }
    if (!(0, system_1.findExecutable)('apt-get')) {
        throw new errors_1.ActionFailure(`${missing.join(', ')} must be installed, and this runner has no apt-get: install ${missing.length > 1 ? 'them' : 'it'} in an earlier step.`);
    }
    log.info(`Installing ${missing.join(', ')} with apt-get.`);
    const apt = (args) => exec(...privilege.command('env', args), { timeoutMs: APT_TIMEOUT_MS });
    const attempt = () => apt(aptGetArguments('install', missing));
    let result = await attempt();
    if (result.code !== 0) {
        // The package lists of a fresh runner image can be stale; refresh them once.
        log.info('apt-get install failed; updating the package lists and trying again.');
        await apt(aptGetArguments('update'));
        result = await attempt();
    }
    if (result.code !== 0) {
        throw new errors_1.ActionFailure(`Could not install ${missing.join(', ')}: ${(0, system_1.describeFailure)(result, APT_TIMEOUT_MS)}`);
    }
    const still = missingPackages(tools, (program) => (0, system_1.findExecutable)(program));
    if (still.length > 0) {
        throw new errors_1.ActionFailure(`apt-get ran, but ${still.join(', ')} is still missing.`);
    }
}


/***/ }),

/***/ 6866:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.run = run;
exports.main = main;
const node_fs_1 = __nccwpck_require__(3024);
const node_os_1 = __nccwpck_require__(8161);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const duration_1 = __nccwpck_require__(3788);
const errors_1 = __nccwpck_require__(9223);
const step_1 = __nccwpck_require__(6254);
const summary_1 = __nccwpck_require__(6834);
const check_host_1 = __nccwpck_require__(5806);
const dns_1 = __nccwpck_require__(4188);
const inputs_1 = __nccwpck_require__(8422);
const install_1 = __nccwpck_require__(7112);
const network_1 = __nccwpck_require__(9473);
const openvpn_tunnel_1 = __nccwpck_require__(5514);
const redact_1 = __nccwpck_require__(5102);
const resolver_1 = __nccwpck_require__(1777);
const report_1 = __nccwpck_require__(5721);
const state_1 = __nccwpck_require__(7134);
const system_1 = __nccwpck_require__(8018);
const teardown_1 = __nccwpck_require__(91);
const tunnel_1 = __nccwpck_require__(8733);
const wireguard_tunnel_1 = __nccwpck_require__(300);
// check-host gets what is left of connect-timeout, but never less than this.
const MIN_CHECK_MS = 5_000;
async function run() {
    await (0, step_1.runMainStep)(main);
}
async function main(ctx) {
    const { runner, log, clock } = ctx;
    const inputs = (0, inputs_1.getInputs)(runner, ctx.env);
    if (process.platform !== 'linux') {
        throw new errors_1.ActionFailure(`vpn-connect runs on Linux runners only; this one runs ${process.platform}.`);
    }
    const privilege = (0, system_1.currentPrivilege)();
    await (0, system_1.checkSudo)(ctx, privilege);
    await (0, install_1.ensureTools)(ctx, inputs.type, inputs.install, privilege);
    const tunnel = tunnelFor(inputs, ctx, privilege, makeWorkDir(ctx.env));
    // Saved again as each thing exists, so that post can clean up after a step that died.
    let record = tunnel.record;
    (0, state_1.saveRecord)(runner, record);
    const keep = (found) => {
        record = { ...record, ...found };
        (0, state_1.saveRecord)(runner, record);
    };
    const report = { type: inputs.type, server: tunnel.describe() };
    const startedAt = clock.now();
    const deadline = startedAt + inputs.connectTimeoutMs;
    try {
        await tunnel.writeConfig();
        const { server, device, localIp, dns } = await tunnel.connect(deadline, keep);
        const connectedMs = clock.now() - startedAt;
        Object.assign(report, { server, device, localIp, connectedMs });
        const routes = await (0, network_1.tunnelRoutes)(ctx.exec, device);
        report.routes = routes;
        log.info(`Connected to ${server} in ${(0, duration_1.formatDuration)(connectedMs)}: ` +
            `interface ${device}, local IP ${localIp}, routes ${routes.join(', ') || '(none)'}.`);
        // The config's lines were checked before; this is what the server pushed.
        if (!inputs.fullTunnel)
            (0, tunnel_1.refuseDefaultRoutes)(routes);
        if ((0, dns_1.hasDns)(dns)) {
            // Before check-host, which may name a host that only the tunnel's DNS knows.
            if (inputs.dns)
                await (0, resolver_1.applyDns)(ctx, privilege, device, dns, keep);
            else
                log.info(`dns is false: the tunnel's DNS (${(0, dns_1.describeDns)(dns)}) is not used.`);
        }
        if (inputs.checkHost) {
            const checkDeadline = Math.max(deadline, clock.now() + MIN_CHECK_MS);
            await (0, check_host_1.checkHost)(ctx, inputs.checkHost, device, checkDeadline);
        }
        // Only a tunnel that is up, and stays up, is described in the outputs.
        runner.setOutput('interface', device);
        runner.setOutput('local-ip', localIp);
        runner.setOutput('routes', routes.join(','));
    }
    catch (error) {
        // OpenVPN's own words may quote the config: keep secrets out of the step's error too.
        if (error instanceof Error)
            error.message = (0, redact_1.redactSecrets)(error.message, inputs.secrets);
        report.failure = error instanceof Error ? error.message : String(error);
        await tunnel.explainFailure();
        log.info('Taking the tunnel down after the failure.');
        keep({ closed: await (0, teardown_1.teardown)(ctx, record, privilege) });
        throw error;
    }
    finally {
        if (ctx.env.GITHUB_STEP_SUMMARY)
            await writeSummary(ctx.summary, report);
    }
}
/** The one place that picks the implementation the `type` input asks for. */
function tunnelFor(inputs, ctx, privilege, workDir) {
    return inputs.type === 'openvpn'
        ? new openvpn_tunnel_1.OpenVpnTunnel(ctx, inputs, privilege, workDir)
        : new wireguard_tunnel_1.WireGuardTunnel(ctx, inputs, privilege, workDir);
}
/** The action's own folder under RUNNER_TEMP, which only the runner's user can enter. */
function makeWorkDir(env) {
    const workDir = (0, node_fs_1.mkdtempSync)(node_path_1.default.join(env.RUNNER_TEMP || (0, node_os_1.tmpdir)(), 'vpn-connect-'));
    (0, node_fs_1.chmodSync)(workDir, 0o700);
    return workDir;
}
async function writeSummary(summary, report) {
    summary.addHeading('VPN connection', 3).addTable((0, summary_1.tableRows)((0, report_1.summaryRows)(report)));
    // The failure quotes OpenVPN's log, which is not ours to trust as markup.
    if (report.failure)
        summary.addRaw(`Not connected: ${(0, summary_1.escapeHtml)(report.failure)}`, true);
    await summary.write();
}


/***/ }),

/***/ 896:
/***/ ((__unused_webpack_module, exports) => {


// OpenVPN's management interface: what its lines mean, and how the action judges a connection
// attempt from them. Pure: the socket is handled in openvpn.ts.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ConnectionProgress = void 0;
exports.parseManagementLine = parseManagementLine;
exports.pushedOptions = pushedOptions;
/** One line from the socket, without its line ending. */
function parseManagementLine(line) {
    const notification = /^>([A-Z-]+):(.*)$/.exec(line);
    if (!notification)
        return { type: 'other', line };
    const [, kind, body] = notification;
    switch (kind) {
        case 'STATE': {
            // time,state,reason,local ip,remote ip,remote port,local addr,local port,local ipv6
            const [, state = '', reason = '', localIp = '', remoteIp = '', remotePort = ''] = body.split(',');
            return { type: 'state', state, reason, localIp, remoteIp, remotePort };
        }
        case 'LOG': {
            // time,flags,message; the message may itself hold commas.
            const first = body.indexOf(',');
            const second = body.indexOf(',', first + 1);
            if (first < 0 || second < 0)
                return { type: 'log', flags: '', message: body };
            return { type: 'log', flags: body.slice(first + 1, second), message: body.slice(second + 1) };
        }
        case 'PASSWORD':
            return { type: 'password', message: body };
        case 'FATAL':
            return { type: 'fatal', message: body };
        case 'HOLD':
            return { type: 'hold', message: body };
        default:
            return { type: 'other', line };
    }
}
/**
 * The options of a PUSH_REPLY that OpenVPN logged (`PUSH: Received control message:
 * 'PUSH_REPLY,route 10.0.0.0 255.0.0.0,dhcp-option DNS 10.0.0.1'`); none for other lines.
 */
function pushedOptions(message) {
    const reply = /^PUSH: Received control message: '(PUSH_REPLY,.*?)'?$/.exec(message.trim());
    if (!reply)
        return [];
    return reply[1]
        .split(',')
        .slice(1)
        .map((option) => option.trim())
        .filter((option) => option !== '' && !option.startsWith('push-continuation'));
}
/** Log lines that explain a failure better than the state does. */
const PROBLEM = /VERIFY (?:KU |EKU |X509NAME )?ERROR|TLS Error|TLS_ERROR|OpenSSL: error|AUTH_FAILED|Connection refused|Cannot resolve|RESOLVE:|Network is unreachable|No route to host|Options error|Exiting due to fatal error|Cannot load|cannot open|Error opening/i;
/**
 * Follows a connection attempt event by event: it ends at CONNECTED, or at the first sign that
 * waiting longer cannot help (credentials refused, a TLS failure, OpenVPN exiting).
 */
class ConnectionProgress {
    lastState = 'CONNECTING';
    lastReason = '';
    /** The tun/tap device OpenVPN opened, from its log. */
    device;
    /** The options the server pushed, from its log (verb 3 and up), each once. */
    pushed = [];
    problems = [];
    handle(event) {
        switch (event.type) {
            case 'log': {
                const opened = /^TUN\/TAP device (\S+) opened/.exec(event.message);
                if (opened)
                    this.device = opened[1];
                for (const option of pushedOptions(event.message)) {
                    if (!this.pushed.includes(option))
                        this.pushed.push(option);
                }
                if (PROBLEM.test(event.message) && !event.message.startsWith('MANAGEMENT:')) {
                    this.problems.push(event.message.trim());
                }
                return undefined;
            }
            case 'state':
                return this.handleState(event);
            case 'password':
                return this.handlePassword(event.message);
            case 'fatal':
                return { kind: 'failed', message: `OpenVPN stopped: ${event.message}` };
            default:
                return undefined;
        }
    }
    /** What the log said went wrong most recently, for a timeout's message. */
    lastProblem() {
        return this.problems.at(-1);
    }
    handleState(event) {
        this.lastState = event.state;
        this.lastReason = event.reason;
        if (event.state === 'CONNECTED') {
            return {
                kind: 'connected',
                localIp: event.localIp,
                remote: event.remotePort ? `${event.remoteIp}:${event.remotePort}` : event.remoteIp,
                withErrors: event.reason === 'ERROR',
            };
        }
        if (event.reason === 'auth-failure')
            return authFailure();
        if (event.reason === 'tls-error')
            return this.tlsFailure();
        if (event.state === 'EXITING') {
            const detail = this.lastProblem();
            return {
                kind: 'failed',
                message: `OpenVPN exited before connecting (${event.reason || 'no reason given'})${detail ? `: ${detail}` : ''}.`,
            };
        }
        return undefined;
    }
    handlePassword(message) {
        if (/^Verification Failed: 'Auth'/.test(message))
            return authFailure();
        if (/^Verification Failed: 'Private Key'/.test(message)) {
            return {
                kind: 'failed',
                message: "The client key could not be decrypted: check 'key-passphrase'.",
            };
        }
        if (/^Need 'Auth'/.test(message)) {
            return {
                kind: 'failed',
                message: "The server asks for a username and password, and none were given: set 'username' and 'password'.",
            };
        }
        if (/^Need 'Private Key'/.test(message)) {
            return {
                kind: 'failed',
                message: "The client key is encrypted: set 'key-passphrase'.",
            };
        }
        if (/^Need '/.test(message)) {
            return {
                kind: 'failed',
                message: `OpenVPN asks for something the action cannot type in (${message.replace(/^Need /, '')}): put it in the config.`,
            };
        }
        return undefined;
    }
    tlsFailure() {
        const detail = this.problems.find((line) => /VERIFY .*ERROR/.test(line)) ??
            this.problems.find((line) => /alert|OpenSSL: error/i.test(line)) ??
            this.lastProblem() ??
            'no detail in the log';
        return {
            kind: 'failed',
            message: `The TLS handshake with the server failed: ${detail}. ${tlsHint(detail)}`,
        };
    }
}
exports.ConnectionProgress = ConnectionProgress;
function authFailure() {
    return {
        kind: 'failed',
        message: "The server refused the username and password (AUTH_FAILED): check 'username' and 'password' (or the config's auth-user-pass).",
    };
}
function tlsHint(detail) {
    if (/VERIFY (?:KU |EKU )ERROR/.test(detail)) {
        return "The server's certificate is not meant for a VPN server (key usage): check 'remote-cert-tls' in the config and the server's certificate.";
    }
    if (/VERIFY X509NAME ERROR/.test(detail)) {
        return "The server's certificate has another name than 'verify-x509-name' expects.";
    }
    if (/VERIFY ERROR/.test(detail)) {
        return "The server's certificate is not signed by the CA this client trusts: check 'ca' (or the config's ca).";
    }
    if (/unknown ca|bad certificate|certificate unknown|certificate required/i.test(detail)) {
        return "The server refused this client's certificate: check 'cert' and 'key', and that the server trusts their CA.";
    }
    if (/expired/i.test(detail))
        return 'A certificate has expired.';
    return 'Check the CA, certificate and key, and any tls-auth or tls-crypt key.';
}


/***/ }),

/***/ 9473:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.routeCidrs = routeCidrs;
exports.tunnelRoutes = tunnelRoutes;
exports.interfaceIndex = interfaceIndex;
exports.interfaceWithAddress = interfaceWithAddress;
exports.routeDevice = routeDevice;
const system_1 = __nccwpck_require__(8018);
/**
 * The unicast routes among `ip -j route show table all` output, as CIDRs: what the tunnel
 * sends through its interface. Link-local routes every interface has are left out.
 */
function routeCidrs(json, family) {
    let routes;
    try {
        routes = JSON.parse(json || '[]');
    }
    catch {
        return [];
    }
    const hostPrefix = family === 4 ? 32 : 128;
    const cidrs = routes
        .filter((route) => route.type === undefined || route.type === 'unicast')
        .map((route) => route.dst ?? '')
        .filter((dst) => dst !== '' && !dst.startsWith('fe80:'))
        .map((dst) => {
        if (dst === 'default')
            return family === 4 ? '0.0.0.0/0' : '::/0';
        return dst.includes('/') ? dst : `${dst}/${hostPrefix}`;
    });
    return [...new Set(cidrs)];
}
function ip() {
    return (0, system_1.findExecutable)('ip') ?? 'ip';
}
const IP_TIMEOUT_MS = 10_000;
/** Reading routes and links needs no privilege. */
async function tunnelRoutes(exec, device) {
    const [v4, v6] = await Promise.all([4, 6].map((family) => exec(ip(), [`-${family}`, '-j', 'route', 'show', 'table', 'all', 'dev', device], {
        timeoutMs: IP_TIMEOUT_MS,
    })));
    return [...routeCidrs(v4.stdout, 4), ...routeCidrs(v6.stdout, 6)];
}
/** The interface's index, which tells it apart from a later interface of the same name. */
async function interfaceIndex(exec, device) {
    const result = await exec(ip(), ['-j', 'link', 'show', 'dev', device], {
        timeoutMs: IP_TIMEOUT_MS,
    });
    if (result.code !== 0)
        return undefined;
    try {
        const [link] = JSON.parse(result.stdout);
        return link?.ifindex;
    }
    catch {
        return undefined;
    }
}
/** The interface that holds an address, e.g. the tun device OpenVPN gave the local IP. */
async function interfaceWithAddress(exec, address) {
    const result = await exec(ip(), ['-j', 'address', 'show'], { timeoutMs: IP_TIMEOUT_MS });
    try {
        const links = JSON.parse(result.stdout);
        return links.find((link) => link.addr_info?.some((info) => info.local === address))?.ifname;
    }
    catch {
        return undefined;
    }
}
/** The interface the kernel would send a packet to `address` through. */
async function routeDevice(exec, address) {
    const result = await exec(ip(), ['-j', 'route', 'get', address], { timeoutMs: IP_TIMEOUT_MS });
    try {
        const [route] = JSON.parse(result.stdout);
        return route?.dev;
    }
    catch {
        return undefined;
    }
}


/***/ }),

/***/ 7338:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.splitWords = splitWords;
exports.parseOpenVpnConfig = parseOpenVpnConfig;
exports.remotesOf = remotesOf;
exports.pullsOptions = pullsOptions;
exports.logVerbosity = logVerbosity;
exports.secretBlockContents = secretBlockContents;
exports.checkOpenVpnConfig = checkOpenVpnConfig;
exports.checkNoPrograms = checkNoPrograms;
exports.checkWrittenRoutes = checkWrittenRoutes;
exports.buildOpenVpnCopy = buildOpenVpnCopy;
exports.redactOpenVpnConfig = redactOpenVpnConfig;
exports.fullTunnelFilters = fullTunnelFilters;
// Reading an OpenVPN client config and writing the action's own copy of it. The user's file is
// never touched: the copy drops what would fight the action and carries the credentials given
// as inputs as inline blocks.
const node_net_1 = __nccwpck_require__(7030);
const errors_1 = __nccwpck_require__(9223);
const address_ranges_1 = __nccwpck_require__(6858);
/** Splits a config line into words the way OpenVPN does: quotes group, backslash escapes. */
function splitWords(line) {
    const words = [];
    let word = '';
    let inWord = false;
    let quote;
    for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (quote) {
            if (char === quote)
                quote = undefined;
            else if (char === '\\' && quote === '"' && i + 1 < line.length)
                word += line[++i];
            else
                word += char;
        }
        else if (char === '"' || char === "'") {
            quote = char;
            inWord = true;
        }
        else if (char === '\\' && i + 1 < line.length) {
            word += line[++i];
            inWord = true;
        }
        else if (/\s/.test(char)) {
            if (inWord)
                words.push(word);
            word = '';
            inWord = false;
        }
        else if ((char === '#' || char === ';') && !inWord) {
            break;
        }
        else {
            word += char;
            inWord = true;
        }
    }
    if (inWord)
        words.push(word);
    return words;
}
const BLOCK_OPEN = /^\s*<([A-Za-z0-9-]+)>\s*$/;
function parseOpenVpnConfig(text) {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    const items = [];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const open = BLOCK_OPEN.exec(line);
        if (open) {
            const name = open[1].toLowerCase();
            const close = lines.findIndex((candidate, index) => index > i && candidate.trim().toLowerCase() === `</${name}>`.toLowerCase());
            if (close < 0) {
                throw new errors_1.ConfigurationError('config', `the inline block <${name}> opened on line ${i + 1} is never closed with </${name}>.`);
            }
            items.push({ kind: 'block', name, content: lines.slice(i + 1, close) });
            i = close;
            continue;
        }
        const words = splitWords(line.trim());
        if (words.length === 0) {
            items.push({ kind: 'text', line });
            continue;
        }
        // OpenVPN accepts command-line spelling (--name) in config files too.
        const name = words[0].replace(/^--/, '').toLowerCase();
        items.push({ kind: 'directive', name, args: words.slice(1), line, lineNumber: i + 1 });
    }
    return items;
}
/** The servers the config names, <connection> blocks included, in order. */
function remotesOf(items) {
    const defaultPort = directive(items, 'rport')?.args[0] ?? directive(items, 'port')?.args[0] ?? '1194';
    const remotes = [];
    const collect = (list, port) => {
        for (const item of list) {
            if (item.kind === 'directive' && item.name === 'remote' && item.args[0]) {
                remotes.push({ host: item.args[0], port: item.args[1] ?? port, proto: item.args[2] });
            }
            if (item.kind === 'block' && item.name === 'connection') {
                collect(parseOpenVpnConfig(item.content.join('\n')), port);
            }
        }
    };
    collect(items, defaultPort);
    return remotes;
}
function directive(items, name) {
    return items.find((item) => item.kind === 'directive' && item.name === name);
}
function hasBlock(items, name) {
    return items.some((item) => item.kind === 'block' && item.name === name);
}
/** Whether the client pulls options from the server, so pushed routes can be filtered. */
function pullsOptions(items) {
    return directive(items, 'client') !== undefined || directive(items, 'pull') !== undefined;
}
/** The config's `verb`: how much OpenVPN logs (1 when the config does not say). */
function logVerbosity(items) {
    const verbs = items.filter((item) => item.kind === 'directive' && item.name === 'verb');
    const value = Number(verbs.at(-1)?.args[0] ?? '1');
    return Number.isFinite(value) ? value : 1;
}
/** Blocks whose content is secret: never printed, masked in logs. */
const SECRET_BLOCKS = new Set([
    'key',
    'tls-auth',
    'tls-crypt',
    'tls-crypt-v2',
    'secret',
    'pkcs12',
    'auth-user-pass',
    'http-proxy-user-pass',
]);
/** The secret parts of a config (key blocks, inline passwords), to mask before anything prints. */
function secretBlockContents(items) {
    return items
        .filter((item) => item.kind === 'block' && SECRET_BLOCKS.has(item.name))
        .map((item) => item.content.join('\n'))
        .filter((content) => content.trim() !== '');
}
/** Checks that the config and the credential inputs can work together; throws on a mistake. */
function checkOpenVpnConfig(items, credentials) {
    if (remotesOf(items).length === 0) {
        throw new errors_1.ConfigurationError('config', "names no server: an OpenVPN client config needs a 'remote HOST PORT' line.");
    }
    const authUserPass = directive(items, 'auth-user-pass');
    if (authUserPass &&
        authUserPass.args.length === 0 &&
        !hasBlock(items, 'auth-user-pass') &&
        credentials.username === undefined) {
        throw new errors_1.ConfigurationError('username', "is required: the config has 'auth-user-pass', so the server asks for a username and password. Pass them as secrets: username: ${{ secrets.VPN_USERNAME }} and password: ${{ secrets.VPN_PASSWORD }}.");
    }
    const hasKey = credentials.key !== undefined ||
        directive(items, 'key') !== undefined ||
        hasBlock(items, 'key') ||
        directive(items, 'pkcs12') !== undefined ||
        hasBlock(items, 'pkcs12');
    if (credentials.keyPassphrase !== undefined && !hasKey) {
        throw new errors_1.ConfigurationError('key-passphrase', "is given, but there is no client key: pass the key in 'key' or in the config.");
    }
    const keyText = credentials.key ??
        items.find((item) => item.kind === 'block' && item.name === 'key')?.content.join('\n');
    if (keyText?.includes('ENCRYPTED') && credentials.keyPassphrase === undefined) {
        throw new errors_1.ConfigurationError('key-passphrase', 'is required: the client key is encrypted. Pass its passphrase as a secret: key-passphrase: ${{ secrets.VPN_KEY_PASSPHRASE }}.');
    }
}
/**
 * Directives that make OpenVPN, which runs as root, run a program, load code, read another
 * config or move out of the folder the action gives it; with why each is refused.
 */
const RUNS_PROGRAMS = {
    up: 'runs a program as the tunnel comes up',
    down: 'runs a program as the tunnel goes down',
    'route-up': 'runs a program once the routes are added',
    'route-pre-down': 'runs a program before the routes are removed',
    ipchange: "runs a program when the server's address changes",
    'tls-verify': 'runs a program to check certificates',
    'auth-user-pass-verify': 'runs a program to check passwords',
    'learn-address': 'runs a program for each address learnt',
    'client-connect': 'runs a program as a client connects',
    'client-disconnect': 'runs a program as a client disconnects',
    'tls-crypt-v2-verify': 'runs a program to check client keys',
    iproute: 'runs another program in the place of ip',
    plugin: 'loads a library into OpenVPN',
    config: 'reads another config file, which the action does not check',
    cd: 'moves OpenVPN to another folder',
    chroot: 'moves OpenVPN into another root folder',
};
/** Why a directive is refused, or undefined when it is not. */
function refusal(name, args) {
    if (name === 'script-security') {
        return Number(args[0]) >= 2 ? 'lets the config run programs' : undefined;
    }
    return RUNS_PROGRAMS[name];
}
/**
 * Refuses a config that would have OpenVPN run programs (or read files the action has not
 * seen) as root. Every such line is named, so that the user knows what will not run.
 * `input` is where the config came from: config or config-file.
 */
function checkNoPrograms(items, input) {
    const refused = items.flatMap((item) => {
        if (item.kind !== 'directive')
            return [];
        const reason = refusal(item.name, item.args);
        return reason === undefined
            ? []
            : [`line ${item.lineNumber ?? '?'} '${item.name}' (${reason})`];
    });
    if (refused.length === 0)
        return;
    throw new errors_1.ConfigurationError(input, `has directives that would run programs as root, which vpn-connect refuses: ${refused.join('; ')}. ` +
        'Remove these lines: OpenVPN runs with --script-security 1. Scripts such as update-resolv-conf are not needed for DNS: the action applies the DNS servers and domains the server pushes itself (input dns).');
}
/** A route directive as a CIDR, or undefined when it names a host or a keyword. */
function routeCidr(item) {
    const [network, second, gateway] = item.args;
    if (network === undefined)
        return undefined;
    if (item.name === 'route-ipv6') {
        return (0, node_net_1.isIPv6)(network.split('/')[0]) ? network : undefined;
    }
    // A route through net_gateway leaves by the runner's own network, not the tunnel.
    if (gateway === 'net_gateway')
        return undefined;
    const prefix = second === undefined || second === 'default' ? 32 : (0, address_ranges_1.netmaskPrefix)(second);
    if (prefix === undefined)
        return undefined;
    const cidr = `${network}/${prefix}`;
    return (0, address_ranges_1.parseCidr)(cidr) ? cidr : undefined;
}
/**
 * Refuses routes written in the config that together send every address through the tunnel
 * (route 0.0.0.0 128.0.0.0 and route 128.0.0.0 128.0.0.0, say), unless full-tunnel allows it.
 */
function checkWrittenRoutes(items, fullTunnel) {
    if (fullTunnel)
        return;
    const routes = items.flatMap((item) => {
        if (item.kind !== 'directive' || (item.name !== 'route' && item.name !== 'route-ipv6')) {
            return [];
        }
        const cidr = routeCidr(item);
        return cidr === undefined ? [] : [{ cidr, item }];
    });
    const [cover] = (0, address_ranges_1.coveredDefaultRoutes)(routes.map((route) => route.cidr));
    if (!cover)
        return;
    const lines = routes
        .filter((route) => cover.routes.includes(route.cidr))
        .map((route) => `line ${route.item.lineNumber ?? '?'} '${route.item.line.trim()}'`);
    throw new errors_1.ConfigurationError('full-tunnel', `is false, but the config routes ${(0, address_ranges_1.describeCover)(cover)} (${lines.join(', ')}): that sends all the runner's traffic, its link to GitHub included, through the tunnel. Route only the private networks, or set full-tunnel: true to accept it.`);
}
const OWNED_BY_ACTION = 'the action runs OpenVPN as a daemon with its own log, pid file and management socket';
/** Why a directive or block must leave the copy, or undefined to keep it. */
function dropReason(name, plan) {
    const given = plan.credentials;
    if (['daemon', 'log', 'log-append', 'syslog', 'writepid'].includes(name))
        return OWNED_BY_ACTION;
    if (name === 'management' || name.startsWith('management-'))
        return OWNED_BY_ACTION;
    if (name === 'redirect-gateway' && !plan.fullTunnel) {
        return 'full-tunnel is false, so the runner keeps its own default route';
    }
    if ((name === 'ca' || name === 'capath') && given.ca)
        return "replaced by the 'ca' input";
    if (name === 'cert' && given.cert)
        return "replaced by the 'cert' input";
    if (name === 'key' && given.key)
        return "replaced by the 'key' input";
    if (name === 'pkcs12' && (given.cert || given.key))
        return "replaced by the 'cert' and 'key' inputs";
    if (['tls-auth', 'tls-crypt', 'tls-crypt-v2'].includes(name)) {
        if (given.tlsAuthKey)
            return "replaced by the 'tls-auth-key' input";
        if (given.tlsCryptKey)
            return "replaced by the 'tls-crypt-key' input";
    }
    if (name === 'auth-user-pass' && plan.authFile)
        return "replaced by 'username' and 'password'";
    if (name === 'askpass' && plan.askPassFile)
        return "replaced by 'key-passphrase'";
    return undefined;
}
/** The text of the action's copy, and what it dropped from the user's config. */
function buildOpenVpnCopy(items, plan) {
    const out = [];
    const dropped = [];
    let tlsAuthDirection;
    for (const item of items) {
        if (item.kind === 'text') {
            out.push(item.line);
            continue;
        }
        const reason = dropReason(item.name, plan);
        if (reason === undefined) {
            if (item.kind === 'directive')
                out.push(item.line);
            else
                out.push(`<${item.name}>`, ...item.content, `</${item.name}>`);
            continue;
        }
        // A dropped `tls-auth FILE 1` still tells which way the key is used.
        if (item.kind === 'directive' && item.name === 'tls-auth' && item.args[1]) {
            tlsAuthDirection = item.args[1];
        }
        const label = item.kind === 'block' ? `<${item.name}>` : item.name;
        if (!dropped.some((entry) => entry.name === label))
            dropped.push({ name: label, reason });
        out.push(`# ${label} dropped by vpn-connect: ${reason}`);
    }
    const given = plan.credentials;
    const added = [];
    if (plan.authFile)
        added.push(`auth-user-pass ${quote(plan.authFile)}`);
    if (plan.askPassFile)
        added.push(`askpass ${quote(plan.askPassFile)}`);
    if (given.tlsAuthKey && !directive(items, 'key-direction')) {
        added.push(`key-direction ${tlsAuthDirection ?? '1'}`);
    }
    const block = (name, pem) => {
        if (pem)
            added.push(`<${name}>`, ...pem.trimEnd().split('\n'), `</${name}>`);
    };
    block('ca', given.ca);
    block('cert', given.cert);
    block('key', given.key);
    block('tls-auth', given.tlsAuthKey);
    block('tls-crypt', given.tlsCryptKey);
    if (added.length > 0)
        out.push('', '# Added by vpn-connect from its inputs', ...added);
    return { text: `${out.join('\n').trimEnd()}\n`, dropped };
}
/** Quotes a path for a config line when it holds spaces or quotes. */
function quote(value) {
    return /^[^\s"'\\#;]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}
/**
 * The config as it may be printed: every inline block's content replaced by a line saying how
 * many lines it held, whatever the block (certificates too: they identify the user).
 */
function redactOpenVpnConfig(text) {
    const items = parseOpenVpnConfig(text);
    const out = [];
    for (const item of items) {
        if (item.kind === 'block') {
            out.push(`<${item.name}>`, `[${item.content.length} lines redacted]`, `</${item.name}>`);
        }
        else {
            out.push(item.line);
        }
    }
    return out.join('\n');
}
/**
 * Options the action adds on the command line, before the config so that they win where order
 * matters (the first matching pull-filter decides).
 */
function fullTunnelFilters() {
    return [
        ['pull-filter', 'ignore', 'redirect-gateway'],
        // The same default route, pushed as plain routes.
        ['pull-filter', 'ignore', 'route 0.0.0.0 0.0.0.0'],
        ['pull-filter', 'ignore', 'route 0.0.0.0 128.0.0.0'],
        ['pull-filter', 'ignore', 'route 128.0.0.0 128.0.0.0'],
        ['pull-filter', 'ignore', 'route-ipv6 ::/0'],
        ['pull-filter', 'ignore', 'route-ipv6 ::/1'],
        ['pull-filter', 'ignore', 'route-ipv6 8000::/1'],
        ['pull-filter', 'ignore', 'route-ipv6 2000::/3'],
    ];
}


/***/ }),

/***/ 5514:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.OpenVpnTunnel = void 0;
// The OpenVPN tunnel: the action's copy of the .ovpn with the secrets the inputs add, a daemon
// followed through its management socket, and the interface it opened.
const node_fs_1 = __nccwpck_require__(3024);
const node_os_1 = __nccwpck_require__(8161);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const network_1 = __nccwpck_require__(9473);
const dns_1 = __nccwpck_require__(4188);
const openvpn_1 = __nccwpck_require__(815);
const openvpn_config_1 = __nccwpck_require__(7338);
const system_1 = __nccwpck_require__(8018);
const tunnel_1 = __nccwpck_require__(8733);
// A unix socket path holds at most 107 bytes.
const MAX_SOCKET_PATH = 100;
class OpenVpnTunnel {
    ctx;
    inputs;
    privilege;
    record;
    logFile;
    constructor(ctx, inputs, privilege, workDir) {
        this.ctx = ctx;
        this.inputs = inputs;
        this.privilege = privilege;
        this.record = { type: 'openvpn', workDir, configPath: node_path_1.default.join(workDir, 'client.ovpn') };
        this.logFile = node_path_1.default.join(workDir, 'openvpn.log');
    }
    describe() {
        const [first] = (0, openvpn_config_1.remotesOf)(this.inputs.openvpn.items);
        return first ? `${first.host}:${first.port}` : '';
    }
    async writeConfig() {
        const { items, credentials } = this.inputs.openvpn;
        const { workDir, configPath } = this.record;
        const authFile = credentials.username ? node_path_1.default.join(workDir, 'auth.txt') : undefined;
        const askPassFile = credentials.keyPassphrase ? node_path_1.default.join(workDir, 'askpass.txt') : undefined;
        if (authFile)
            (0, tunnel_1.writePrivate)(authFile, `${credentials.username}\n${credentials.password}\n`);
        if (askPassFile)
            (0, tunnel_1.writePrivate)(askPassFile, `${credentials.keyPassphrase}\n`);
        const copy = (0, openvpn_config_1.buildOpenVpnCopy)(items, {
            credentials,
            authFile,
            askPassFile,
            fullTunnel: this.inputs.fullTunnel,
        });
        await (0, tunnel_1.saveConfigCopy)(this.ctx.log, this.inputs, configPath, copy, {
            title: 'Effective OpenVPN config (secrets redacted)',
            redact: openvpn_config_1.redactOpenVpnConfig,
        });
    }
    async connect(deadline, started) {
        const { exec, log } = this.ctx;
        const { workDir, configPath } = this.record;
        let socketPath = node_path_1.default.join(workDir, 'management.sock');
        let socketDir;
        if (socketPath.length > MAX_SOCKET_PATH) {
            socketDir = (0, node_fs_1.mkdtempSync)(node_path_1.default.join((0, node_os_1.tmpdir)(), 'vpn-connect-'));
            socketPath = node_path_1.default.join(socketDir, 'management.sock');
        }
        const pidFile = node_path_1.default.join(workDir, 'openvpn.pid');
        started({ socketDir, pidFile });
        const connected = await (0, openvpn_1.connectOpenVpn)(this.ctx, {
            program: (0, system_1.findExecutable)('openvpn') ?? 'openvpn',
            configPath,
            configDir: this.inputs.configDir,
            logFile: this.logFile,
            pidFile,
            socketPath,
            filterDefaultRoute: !this.inputs.fullTunnel && (0, openvpn_config_1.pullsOptions)(this.inputs.openvpn.items),
            managementUser: this.privilege.isRoot ? undefined : (0, node_os_1.userInfo)().username,
            raiseVerbosity: (0, openvpn_config_1.logVerbosity)(this.inputs.openvpn.items) < 3,
        }, this.privilege, deadline, this.inputs.connectTimeoutMs, (pid) => started({ pid }));
        if (connected.withErrors) {
            log.warning('OpenVPN connected, but reported errors while setting up (often a route it could not add): see the log below.');
            await this.printLog();
        }
        const device = connected.device ?? (await (0, network_1.interfaceWithAddress)(exec, connected.localIp));
        if (!device) {
            throw new errors_1.ActionFailure(`OpenVPN connected, but no interface holds its address ${connected.localIp}.`);
        }
        started({ device, deviceIndex: await (0, network_1.interfaceIndex)(exec, device) });
        return {
            server: connected.remote || this.describe(),
            device,
            localIp: connected.localIp,
            dns: (0, dns_1.openVpnDns)(this.inputs.openvpn.items, connected.pushed),
        };
    }
    explainFailure() {
        return this.printLog();
    }
    async printLog() {
        const text = await (0, openvpn_1.readOpenVpnLog)(this.ctx.exec, this.logFile, this.privilege);
        await (0, tunnel_1.printOutput)(this.ctx.log, 'OpenVPN log', text, this.inputs.secrets);
    }
}
exports.OpenVpnTunnel = OpenVpnTunnel;


/***/ }),

/***/ 815:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.openVpnArguments = openVpnArguments;
exports.connectOpenVpn = connectOpenVpn;
exports.readOpenVpnLog = readOpenVpnLog;
// Starting OpenVPN as a daemon and following it through its management socket until it is
// connected or clearly cannot be.
const node_fs_1 = __nccwpck_require__(3024);
const node_net_1 = __nccwpck_require__(7030);
const duration_1 = __nccwpck_require__(3788);
const errors_1 = __nccwpck_require__(9223);
const management_1 = __nccwpck_require__(896);
const openvpn_config_1 = __nccwpck_require__(7338);
const system_1 = __nccwpck_require__(8018);
/** OpenVPN's command line. The management hold makes it wait until the action is listening. */
function openVpnArguments(launch) {
    const filters = launch.filterDefaultRoute
        ? (0, openvpn_config_1.fullTunnelFilters)().flatMap(([name, ...args]) => [`--${name}`, ...args])
        : [];
    return [
        // --cd also keeps the daemon from moving to /, so relative paths keep working.
        '--cd',
        launch.configDir,
        ...filters,
        '--config',
        launch.configPath,
        // After the config, so that they win over it: no program of the config's runs as root.
        '--script-security',
        '1',
        ...(launch.raiseVerbosity ? ['--verb', '3'] : []),
        '--daemon',
        '--log',
        launch.logFile,
        '--writepid',
        launch.pidFile,
        '--management',
        launch.socketPath,
        'unix',
        ...(launch.managementUser ? ['--management-client-user', launch.managementUser] : []),
        '--management-hold',
        '--management-query-passwords',
    ];
}
/**
 * Starts the daemon and follows it until it is connected; `onPid` hears of its process as soon
 * as it is known, so that a failure half-way still leaves it to stop.
 */
async function connectOpenVpn({ exec, clock }, launch, privilege, deadline, timeoutMs, onPid) {
    const startTimeoutMs = Math.max(1_000, deadline - clock.now());
    const started = await exec(...privilege.command(launch.program, openVpnArguments(launch)), {
        timeoutMs: startTimeoutMs,
    });
    if (started.code !== 0) {
        // Options are checked before the daemon opens its log: the reason is on stderr.
        const reason = `${started.stderr}\n${started.stdout}`
            .split('\n')
            .find((line) => /error/i.test(line));
        throw new errors_1.ActionFailure(`OpenVPN did not start: ${reason?.trim() ?? (0, system_1.describeFailure)(started, startTimeoutMs)}`);
    }
    const socket = await attach(clock, launch, deadline, timeoutMs, onPid);
    return follow(clock, socket, deadline, timeoutMs, onPid);
}
function readPid(pidFile) {
    try {
        const pid = Number((0, node_fs_1.readFileSync)(pidFile, 'utf8').trim());
        return Number.isInteger(pid) && pid > 1 ? pid : undefined;
    }
    catch {
        return undefined;
    }
}
/** Waits for the management socket, which the daemon opens right after forking. */
async function attach(clock, launch, deadline, timeoutMs, onPid) {
    let reportedPid;
    for (;;) {
        const pid = readPid(launch.pidFile);
        if (pid !== undefined && pid !== reportedPid)
            onPid((reportedPid = pid));
        if ((0, node_fs_1.existsSync)(launch.socketPath)) {
            try {
                return await open(launch.socketPath);
            }
            catch {
                // Created but not yet listening: try again.
            }
        }
        if ((0, node_fs_1.existsSync)(launch.logFile) && /Exiting due to fatal error/.test(readLog(launch.logFile))) {
            throw new errors_1.ActionFailure('OpenVPN exited as it started: see its log.');
        }
        if (clock.now() > deadline) {
            throw new errors_1.ActionFailure(`OpenVPN did not open its management socket within 'connect-timeout' (${(0, duration_1.formatDuration)(timeoutMs)}).`);
        }
        await clock.sleep(5);
    }
}
function readLog(file) {
    try {
        return (0, node_fs_1.readFileSync)(file, 'utf8');
    }
    catch {
        return '';
    }
}
function open(socketPath) {
    return new Promise((resolve, reject) => {
        const socket = (0, node_net_1.connect)(socketPath);
        socket.once('connect', () => {
            socket.off('error', reject);
            resolve(socket);
        });
        socket.once('error', reject);
    });
}
function follow(clock, socket, deadline, timeoutMs, onPid) {
    const progress = new management_1.ConnectionProgress();
    let pid = 0;
    return new Promise((resolve, reject) => {
        let buffer = '';
        let settled = false;
        const finish = (outcome) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            socket.removeAllListeners('data');
            socket.on('error', () => undefined);
            socket.end();
            if (outcome.kind === 'connected') {
                resolve({
                    pid,
                    localIp: outcome.localIp,
                    remote: outcome.remote,
                    device: progress.device,
                    withErrors: outcome.withErrors,
                    pushed: progress.pushed,
                });
            }
            else if (outcome.kind === 'failed') {
                reject(new errors_1.ActionFailure(outcome.message));
            }
            else {
                reject(outcome.error);
            }
        };
        // A timer, not clock.sleep: it is cancelled once the socket settles, where a sleep would
        // keep the step alive until the deadline.
        const timer = setTimeout(() => {
            const problem = progress.lastProblem();
            finish({
                kind: 'failed',
                message: `OpenVPN did not connect within 'connect-timeout' (${(0, duration_1.formatDuration)(timeoutMs)}); ` +
                    `its last state was ${progress.lastState}${progress.lastReason ? ` (${progress.lastReason})` : ''}` +
                    `${problem ? ` and the last problem it logged: ${problem}` : ''}. ` +
                    'Check that the server is reachable from the runner (address, port, protocol, firewall), or raise connect-timeout.',
            });
        }, Math.max(0, deadline - clock.now()));
        socket.setEncoding('utf8');
        socket.on('data', (chunk) => {
            buffer += chunk;
            const lines = buffer.split(/\r?\n/);
            buffer = lines.pop() ?? '';
            for (const line of lines) {
                const event = (0, management_1.parseManagementLine)(line);
                if (event.type === 'other') {
                    const reply = /^SUCCESS: pid=(\d+)/.exec(event.line);
                    if (reply)
                        onPid((pid = Number(reply[1])));
                    continue;
                }
                const outcome = progress.handle(event);
                if (outcome)
                    return finish(outcome);
            }
        });
        socket.on('close', () => {
            const problem = progress.lastProblem();
            finish({
                kind: 'failed',
                message: `OpenVPN exited before connecting${problem ? `: ${problem}` : ''}. See its log.`,
            });
        });
        socket.on('error', (error) => finish({ kind: 'error', error }));
        // Listen to everything first, then let it connect; `hold off` keeps later restarts (after
        // the action has gone) from waiting for a release nobody will send.
        socket.write('pid\nlog on\nstate on\nhold off\nhold release\n');
    });
}
/** The daemon's log, read as root when it wrote it as root. */
async function readOpenVpnLog(exec, file, privilege) {
    if (!(0, node_fs_1.existsSync)(file))
        return '';
    try {
        return (0, node_fs_1.readFileSync)(file, 'utf8');
    }
    catch {
        const result = await exec(...privilege.command('cat', ['--', file]), { timeoutMs: 10_000 });
        return result.code === 0 ? result.stdout : '';
    }
}


/***/ }),

/***/ 5102:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.redactSecrets = redactSecrets;
const mask_1 = __nccwpck_require__(7624);
/**
 * Replaces every form of every secret in a text (a log, a command's output) with ***. The
 * runner masks too, but only what reaches its log; this also covers text the action writes
 * elsewhere, and runners whose masking missed a line.
 */
function redactSecrets(text, secrets) {
    const forms = [...new Set(secrets.flatMap(mask_1.secretForms))].sort((a, b) => b.length - a.length);
    let redacted = text;
    for (const form of forms)
        redacted = redacted.split(form).join('***');
    return redacted;
}


/***/ }),

/***/ 5721:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.summaryRows = summaryRows;
const duration_1 = __nccwpck_require__(3788);
const summary_1 = __nccwpck_require__(6834);
/** The job summary's table, as rows of cells; the first row is the header. */
function summaryRows(report) {
    return [
        ['Type', 'Server', 'Interface', 'Local IP', 'Routes', 'Time to connect'],
        [
            report.type === 'openvpn' ? 'OpenVPN' : 'WireGuard',
            report.server,
            report.device,
            report.localIp,
            report.routes?.join(', '),
            report.connectedMs === undefined ? 'not connected' : (0, duration_1.formatDuration)(report.connectedMs),
            // What is not known yet is shown the way the summary table shows any empty cell.
        ].map((cell) => cell || summary_1.EMPTY_CELL),
    ];
}


/***/ }),

/***/ 1777:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.applyDns = applyDns;
exports.restoreDns = restoreDns;
// Telling the runner's resolver about the tunnel's DNS, and putting its own back. What was
// there is saved (through `keep`) before anything changes, so that post can undo it even after
// a main step that died half-way. Root's rights come through the Privilege, as for the tunnel.
const node_fs_1 = __nccwpck_require__(3024);
const errors_1 = __nccwpck_require__(9223);
const dns_1 = __nccwpck_require__(4188);
const system_1 = __nccwpck_require__(8018);
const RESOLV_CONF = '/etc/resolv.conf';
// systemd-resolved keeps its runtime files here while it runs (/run is emptied at boot).
const RESOLVED_RUNTIME = '/run/systemd/resolve';
const COMMAND_TIMEOUT_MS = 30_000;
function readResolvConf(file) {
    const stat = (0, node_fs_1.lstatSync)(file, { throwIfNoEntry: false });
    if (!stat)
        return { kind: 'missing' };
    if (stat.isSymbolicLink())
        return { kind: 'symlink', target: (0, node_fs_1.readlinkSync)(file) };
    return { kind: 'file', text: (0, node_fs_1.readFileSync)(file, 'utf8') };
}
async function run({ exec }, privilege, file, args, input) {
    const result = await exec(...privilege.command(file, args), {
        timeoutMs: COMMAND_TIMEOUT_MS,
        input,
    });
    if (result.code !== 0) {
        throw new errors_1.ActionFailure(`${file} ${args[0]} failed: ${(0, system_1.describeFailure)(result, COMMAND_TIMEOUT_MS)}`);
    }
}
/** Writes the file in place (same inode, mode and owner), as a bind-mounted file needs. */
function writeInPlace(ctx, privilege, file, text) {
    return run(ctx, privilege, 'tee', ['--', file], text);
}
/**
 * Points the runner's resolver at the tunnel's servers and search domains: per link through
 * resolvectl where systemd-resolved answers the runner's lookups, else in /etc/resolv.conf.
 */
async function applyDns(ctx, privilege, device, dns, keep) {
    const original = readResolvConf(RESOLV_CONF);
    const resolvectl = (0, system_1.findExecutable)('resolvectl');
    const method = (0, dns_1.dnsMethod)({
        resolvedRuns: resolvectl !== undefined && (0, node_fs_1.existsSync)(RESOLVED_RUNTIME),
        resolvConf: original,
    });
    if (method === 'resolvectl' && resolvectl) {
        keep({ dns: { method, device } });
        if (dns.servers.length > 0) {
            await run(ctx, privilege, resolvectl, ['dns', device, ...dns.servers]);
        }
        if (dns.domains.length > 0) {
            await run(ctx, privilege, resolvectl, ['domain', device, ...dns.domains]);
        }
        ctx.log.info(`DNS through systemd-resolved on ${device}: ${(0, dns_1.describeDns)(dns)}.`);
        return;
    }
    keep({ dns: { method: 'resolv.conf', file: RESOLV_CONF, original } });
    const text = (0, dns_1.resolvConfText)(original.kind === 'file' ? original.text : readTarget(), dns);
    // A link (to a resolver's generated file) is replaced by a file, not written through.
    if (original.kind === 'symlink')
        await run(ctx, privilege, 'rm', ['-f', '--', RESOLV_CONF]);
    await writeInPlace(ctx, privilege, RESOLV_CONF, text);
    ctx.log.info(`DNS in ${RESOLV_CONF}${original.kind === 'symlink' ? ` (in the place of its link to ${original.target})` : ''}: ${(0, dns_1.describeDns)(dns)}.`);
}
/** What a linked resolv.conf reads as, to keep its servers after the tunnel's. */
function readTarget() {
    try {
        return (0, node_fs_1.readFileSync)(RESOLV_CONF, 'utf8');
    }
    catch {
        return '';
    }
}
/**
 * Puts the runner's DNS back as it was. Checks before it acts: running it again, or when the
 * change was never made, does nothing.
 */
async function restoreDns(ctx, record, privilege, deviceExists) {
    if (record.method === 'resolvectl') {
        // systemd-resolved forgets a link's settings when the link goes.
        if (!(await deviceExists()))
            return;
        const resolvectl = (0, system_1.findExecutable)('resolvectl') ?? 'resolvectl';
        await run(ctx, privilege, resolvectl, ['revert', record.device]);
        ctx.log.info(`Reverted the DNS settings of ${record.device} (resolvectl revert).`);
        return;
    }
    const { file, original } = record;
    if ((0, dns_1.sameResolvConf)(readResolvConf(file), original))
        return;
    const current = readResolvConf(file);
    if (original.kind === 'file') {
        if (current.kind === 'symlink')
            await run(ctx, privilege, 'rm', ['-f', '--', file]);
        await writeInPlace(ctx, privilege, file, original.text);
    }
    else {
        await run(ctx, privilege, 'rm', ['-f', '--', file]);
        if (original.kind === 'symlink')
            await run(ctx, privilege, 'ln', ['-s', '--', original.target, file]);
    }
    if (!(0, dns_1.sameResolvConf)(readResolvConf(file), original)) {
        throw new Error(`${file} is still not as it was before the job`);
    }
    ctx.log.info(`Put the runner's ${file} back as it was.`);
}


/***/ }),

/***/ 7134:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.saveRecord = saveRecord;
exports.loadRecord = loadRecord;
const KEY = 'tunnel';
function saveRecord(runner, record) {
    runner.saveState(KEY, JSON.stringify(record));
}
function loadRecord(runner) {
    const text = runner.getState(KEY);
    if (text === '')
        return undefined;
    return JSON.parse(text);
}


/***/ }),

/***/ 8018:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Privilege = void 0;
exports.describeFailure = describeFailure;
exports.findExecutable = findExecutable;
exports.currentPrivilege = currentPrivilege;
exports.checkSudo = checkSudo;
exports.liveCommandLine = liveCommandLine;
exports.findProcesses = findProcesses;
// Privileged commands and the processes on this machine. Programs get argv arrays: nothing the
// user wrote ever reaches a shell.
const node_fs_1 = __nccwpck_require__(3024);
const node_os_1 = __nccwpck_require__(8161);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
/**
 * The first line worth quoting from a failed command, for error messages. `timeoutMs` is the
 * limit the command ran under, named when it was the reason.
 */
function describeFailure(result, timeoutMs) {
    if (result.error)
        return result.error.message;
    if (result.timedOut)
        return `timed out after ${timeoutMs} ms`;
    const lines = `${result.stderr}\n${result.stdout}`
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('[#]'));
    return lines.at(-1) ?? `exit code ${result.code}`;
}
// Runner users often lack the sbin folders in PATH, where openvpn and ip live.
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** The absolute path of a program: PATH first, then the usual system folders. */
function findExecutable(name, pathEnv = process.env.PATH ?? '') {
    const dirs = [...pathEnv.split(node_path_1.default.delimiter).filter(Boolean), ...SYSTEM_DIRS];
    for (const dir of dirs) {
        const candidate = node_path_1.default.join(dir, name);
        try {
            (0, node_fs_1.accessSync)(candidate, node_fs_1.constants.X_OK);
            return candidate;
        }
        catch {
            // Not here.
        }
    }
    return undefined;
}
/**
 * How privileged commands are run: directly as root, else through `sudo -n`, which fails at
 * once instead of waiting for a password nobody will type.
 */
class Privilege {
    isRoot;
    constructor(isRoot) {
        this.isRoot = isRoot;
    }
    /** The program and argv that run `file` with root's rights, for `exec`. */
    command(file, args) {
        return this.isRoot ? [file, args] : ['sudo', ['-n', file, ...args]];
    }
}
exports.Privilege = Privilege;
function currentPrivilege() {
    return new Privilege(process.getuid?.() === 0);
}
const SUDO_PROBE_TIMEOUT_MS = 10_000;
/** Fails the step early when it is not root and cannot become root without a password. */
async function checkSudo({ exec, log }, privilege) {
    if (privilege.isRoot)
        return;
    const probe = await exec('sudo', ['-n', 'true'], { timeoutMs: SUDO_PROBE_TIMEOUT_MS });
    if (probe.code !== 0) {
        throw new errors_1.ActionFailure(`This step runs as ${(0, node_os_1.userInfo)().username}, not root, and 'sudo -n' does not work here (${describeFailure(probe, SUDO_PROBE_TIMEOUT_MS)}). ` +
            'Creating a tunnel interface needs root: use a runner whose user has password-less sudo (GitHub-hosted runners do), or run the job as root.');
    }
    log.info(`Running the VPN programs through sudo, as this step runs as ${(0, node_os_1.userInfo)().username}.`);
}
/** The argv of a live process, or undefined when it is gone or a zombie. */
function liveCommandLine(pid) {
    try {
        // Field 3 of /proc/PID/stat is the state; the command name before it may hold spaces.
        const stat = (0, node_fs_1.readFileSync)(`/proc/${pid}/stat`, 'utf8');
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (state === 'Z' || state === 'X')
            return undefined;
        return (0, node_fs_1.readFileSync)(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    }
    catch {
        return undefined;
    }
}
/** PIDs of live processes whose argv passes `test`. */
function findProcesses(test) {
    let entries;
    try {
        entries = (0, node_fs_1.readdirSync)('/proc');
    }
    catch {
        return [];
    }
    return entries
        .filter((entry) => /^\d+$/.test(entry))
        .map(Number)
        .filter((pid) => {
        const line = liveCommandLine(pid);
        return line !== undefined && test(line);
    });
}


/***/ }),

/***/ 91:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.isOurProcess = isOurProcess;
exports.teardown = teardown;
// Taking the tunnel down: the one process this action started, its interface, its files. Used
// by main when it fails after starting something, and by post. Each part checks before it acts,
// so running it again, or after a main step that stopped early, does no harm.
const node_fs_1 = __nccwpck_require__(3024);
const errors_1 = __nccwpck_require__(9223);
const network_1 = __nccwpck_require__(9473);
const resolver_1 = __nccwpck_require__(1777);
const system_1 = __nccwpck_require__(8018);
const TERM_GRACE_MS = 5_000;
const KILL_GRACE_MS = 2_000;
const KILL_TIMEOUT_MS = 10_000;
const WG_QUICK_DOWN_TIMEOUT_MS = 30_000;
const LINK_DELETE_TIMEOUT_MS = 120_000;
const RM_TIMEOUT_MS = 30_000;
/** Whether a live process is the one this action started, judged by its command line. */
function isOurProcess(argv, record) {
    if (!argv)
        return false;
    if (record.type === 'openvpn')
        return argv.includes(record.configPath);
    return argv.some((arg) => /wireguard-go$/.test(arg)) && argv.at(-1) === record.device;
}
function recordedPid(record) {
    if (record.pid)
        return record.pid;
    if (!record.pidFile || !(0, node_fs_1.existsSync)(record.pidFile))
        return undefined;
    const pid = Number((0, node_fs_1.readFileSync)(record.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}
async function waitGone({ clock }, pid, record, ms) {
    const until = clock.now() + ms;
    while (clock.now() < until) {
        if (!isOurProcess((0, system_1.liveCommandLine)(pid), record))
            return true;
        await clock.sleep(25);
    }
    return !isOurProcess((0, system_1.liveCommandLine)(pid), record);
}
async function signal(exec, pid, name, privilege) {
    if (privilege.isRoot) {
        try {
            process.kill(pid, name);
        }
        catch (error) {
            if (error.code !== 'ESRCH')
                throw error;
        }
        return;
    }
    const result = await exec(...privilege.command('kill', [`-${name.slice(3)}`, String(pid)]), {
        timeoutMs: KILL_TIMEOUT_MS,
    });
    if (result.code !== 0 && (0, system_1.liveCommandLine)(pid)) {
        throw new Error(`could not signal process ${pid}: ${(0, system_1.describeFailure)(result, KILL_TIMEOUT_MS)}`);
    }
}
/** SIGTERM, a grace period, then SIGKILL: only ever to the PID this action recorded. */
async function stopProcess(ctx, record, privilege) {
    const { exec, log } = ctx;
    const pid = recordedPid(record);
    if (pid === undefined)
        return;
    if (!isOurProcess((0, system_1.liveCommandLine)(pid), record)) {
        log.debug(`Process ${pid} has already ended.`);
        return;
    }
    const name = record.type === 'openvpn' ? 'OpenVPN' : 'wireguard-go';
    await signal(exec, pid, 'SIGTERM', privilege);
    if (await waitGone(ctx, pid, record, TERM_GRACE_MS)) {
        log.info(`Stopped ${name} (process ${pid}).`);
        return;
    }
    log.warning(`${name} (process ${pid}) did not stop within 5s of SIGTERM; sending SIGKILL.`);
    await signal(exec, pid, 'SIGKILL', privilege);
    if (!(await waitGone(ctx, pid, record, KILL_GRACE_MS))) {
        throw new Error(`${name} (process ${pid}) is still running after SIGKILL`);
    }
}
/** Whether the device still exists as the very interface this action brought up. */
async function ourDeviceExists(exec, device, record) {
    return (record.deviceIndex !== undefined && (await (0, network_1.interfaceIndex)(exec, device)) === record.deviceIndex);
}
async function bringDeviceDown({ exec, log }, record, privilege) {
    const { device } = record;
    if (!device || !(await ourDeviceExists(exec, device, record)))
        return;
    if (record.type === 'wireguard' && (0, node_fs_1.existsSync)(record.configPath)) {
        const wgQuick = (0, system_1.findExecutable)('wg-quick') ?? 'wg-quick';
        const result = await exec(...privilege.command(wgQuick, ['down', record.configPath]), {
            timeoutMs: WG_QUICK_DOWN_TIMEOUT_MS,
        });
        if (result.code === 0) {
            log.info(`Brought ${device} down (wg-quick down).`);
            return;
        }
        log.warning(`wg-quick down failed (${(0, system_1.describeFailure)(result, WG_QUICK_DOWN_TIMEOUT_MS)}); deleting ${device}.`);
    }
    if (!(await ourDeviceExists(exec, device, record)))
        return;
    const ip = (0, system_1.findExecutable)('ip') ?? 'ip';
    const result = await exec(...privilege.command(ip, ['link', 'delete', 'dev', device]), {
        timeoutMs: LINK_DELETE_TIMEOUT_MS,
    });
    if (result.code !== 0 && (await ourDeviceExists(exec, device, record))) {
        throw new Error(`could not delete interface ${device}: ${(0, system_1.describeFailure)(result, LINK_DELETE_TIMEOUT_MS)}`);
    }
    log.info(`Deleted interface ${device}.`);
}
async function removeFolder(exec, dir, privilege) {
    if (!dir || !(0, node_fs_1.existsSync)(dir))
        return;
    try {
        (0, node_fs_1.rmSync)(dir, { recursive: true, force: true });
    }
    catch (error) {
        // Files the daemon wrote as root may need root to go.
        const result = await exec(...privilege.command('rm', ['-rf', '--', dir]), {
            timeoutMs: RM_TIMEOUT_MS,
        });
        if (result.code !== 0 || (0, node_fs_1.existsSync)(dir)) {
            throw new Error(`could not delete ${dir}: ${(0, errors_1.errorMessage)(error)}`, { cause: error });
        }
    }
}
/**
 * Takes everything down, in an order that lets each part clean up after itself: the runner's
 * DNS first (systemd-resolved keeps it with the interface, which is still there); then for
 * OpenVPN the daemon (it removes its routes and device as it exits); for WireGuard wg-quick
 * down (wireguard-go exits when its device goes). Failures are reported as warnings and
 * the remaining parts still run. Returns whether everything is gone.
 */
async function teardown(ctx, record, privilege) {
    const stop = () => stopProcess(ctx, record, privilege);
    const bringDown = () => bringDeviceDown(ctx, record, privilege);
    const parts = record.type === 'openvpn'
        ? [
            ['stop OpenVPN', stop],
            ['bring the interface down', bringDown],
        ]
        : [
            ['bring the interface down', bringDown],
            ['stop wireguard-go', stop],
        ];
    parts.push([
        'delete the files',
        async () => {
            await removeFolder(ctx.exec, record.workDir, privilege);
            await removeFolder(ctx.exec, record.socketDir, privilege);
        },
    ]);
    const { dns, device } = record;
    if (dns) {
        parts.unshift([
            "put the runner's DNS back",
            () => (0, resolver_1.restoreDns)(ctx, dns, privilege, () => device ? ourDeviceExists(ctx.exec, device, record) : Promise.resolve(false)),
        ]);
    }
    let clean = true;
    for (const [what, part] of parts) {
        try {
            await part();
        }
        catch (error) {
            clean = false;
            ctx.log.warning(`Could not ${what}: ${(0, errors_1.errorMessage)(error)}`);
        }
    }
    return clean;
}


/***/ }),

/***/ 8733:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.refuseDefaultRoutes = refuseDefaultRoutes;
exports.writePrivate = writePrivate;
exports.saveConfigCopy = saveConfigCopy;
exports.printGroup = printGroup;
exports.printOutput = printOutput;
// What main asks of a tunnel, whichever program carries it: one implementation per `type`
// (openvpn-tunnel.ts, wireguard-tunnel.ts), and the few things both do alike.
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const address_ranges_1 = __nccwpck_require__(6858);
const redact_1 = __nccwpck_require__(5102);
/**
 * Refuses a tunnel whose routes, as the kernel has them, send every address of a family
 * through it: what the config's lines could not show (a server pushing four /2 routes).
 * Main takes the tunnel down on the error.
 */
function refuseDefaultRoutes(routes) {
    const [cover] = (0, address_ranges_1.coveredDefaultRoutes)(routes);
    if (!cover)
        return;
    throw new errors_1.ConfigurationError('full-tunnel', `is false, but the tunnel's routes include ${(0, address_ranges_1.describeCover)(cover)}: the server pushed routes that would send all the runner's traffic, its link to GitHub included, through the tunnel. The action took the tunnel down. Have the server push only the private networks, or set full-tunnel: true to accept them.`);
}
/** Writes a file only the runner's user can read. */
function writePrivate(file, text) {
    (0, node_fs_1.writeFileSync)(file, text, { mode: 0o600 });
    (0, node_fs_1.chmodSync)(file, 0o600);
}
/**
 * Writes the action's copy of the config, readable by us only, says what it leaves out of the
 * user's, and shows it, redacted, when `echo-config` asks.
 */
async function saveConfigCopy(log, inputs, file, copy, shown) {
    writePrivate(file, copy.text);
    noticeDropped(log, copy.dropped, inputs.configFile);
    if (inputs.echoConfig) {
        await printGroup(log, shown.title, (0, redact_1.redactSecrets)(shown.redact(copy.text), inputs.secrets));
    }
}
/** Says which lines of the user's config the action's copy leaves out, and why. */
function noticeDropped(log, dropped, configFile) {
    if (dropped.length === 0)
        return;
    const file = configFile ? node_path_1.default.basename(configFile) : "'config'";
    const byReason = new Map();
    for (const { name, reason } of dropped)
        byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
    const parts = [...byReason].map(([reason, names]) => `${names.join(', ')} (${reason})`);
    log.notice(`The action's copy of ${file} leaves out ${parts.join('; ')}. The file itself is unchanged.`);
}
function printGroup(log, title, text) {
    return log.group(title, () => {
        log.info(text);
        return Promise.resolve();
    });
}
/** A program's output or log in a group of its own, secrets redacted; nothing when empty. */
async function printOutput(log, title, text, secrets) {
    const content = text.trimEnd();
    if (content === '')
        return;
    await printGroup(log, title, (0, redact_1.redactSecrets)(content, secrets));
}


/***/ }),

/***/ 2248:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseWireGuardConfig = parseWireGuardConfig;
exports.checkWireGuardConfig = checkWireGuardConfig;
exports.secretsOf = secretsOf;
exports.buildWireGuardCopy = buildWireGuardCopy;
exports.redactWireGuardConfig = redactWireGuardConfig;
exports.localAddress = localAddress;
exports.probeAddress = probeAddress;
// Reading a wg-quick config (INI-like: [Interface] and [Peer] sections of `Key = Value`) and
// writing the action's copy of it.
const node_net_1 = __nccwpck_require__(7030);
const errors_1 = __nccwpck_require__(9223);
const address_ranges_1 = __nccwpck_require__(6858);
/** The wg-quick settings whose value is a command it runs, as root, around up and down. */
const HOOKS = ['PreUp', 'PostUp', 'PreDown', 'PostDown'];
function entries(lines) {
    const found = [];
    let section = '';
    lines.forEach((raw, index) => {
        const line = raw.replace(/#.*$/, '').trim();
        if (line === '')
            return;
        const header = /^\[(\w+)\]$/.exec(line);
        if (header) {
            section = header[1].toLowerCase();
            return;
        }
        const setting = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
        if (!setting) {
            // The line is not quoted: it may hold a key.
            throw new errors_1.ConfigurationError('config', `is not a wg-quick config: line ${index + 1} reads neither [Section] nor Key = Value.`);
        }
        found.push({
            section,
            key: setting[1].toLowerCase(),
            value: setting[2].trim(),
            lineNumber: index + 1,
        });
    });
    return found;
}
const list = (value) => value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
function parseWireGuardConfig(text) {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    const config = {
        privateKey: '',
        presharedKeys: [],
        addresses: [],
        peers: [],
        dns: [],
        hooks: [],
        lines,
    };
    for (const { section, key, value, lineNumber } of entries(lines)) {
        if (section === 'interface') {
            if (key === 'privatekey')
                config.privateKey = value;
            if (key === 'address')
                config.addresses.push(...list(value));
            if (key === 'table')
                config.table = value;
            if (key === 'dns')
                config.dns.push(...list(value));
            const hook = HOOKS.find((name) => name.toLowerCase() === key);
            if (hook)
                config.hooks.push({ key: hook, lineNumber });
        }
        else if (section === 'peer') {
            if (key === 'publickey')
                config.peers.push({ publicKey: value, allowedIps: [] });
            const peer = config.peers.at(-1);
            if (key === 'endpoint' && peer)
                peer.endpoint = value;
            if (key === 'allowedips' && peer)
                peer.allowedIps.push(...list(value));
            if (key === 'presharedkey')
                config.presharedKeys.push(value);
        }
        else if (section === '') {
            throw new errors_1.ConfigurationError('config', 'is not a wg-quick config: settings must come under an [Interface] or [Peer] header.');
        }
    }
    const interfaces = lines.filter((line) => /^\s*\[interface\]\s*$/i.test(line)).length;
    if (interfaces !== 1) {
        throw new errors_1.ConfigurationError('config', `needs exactly one [Interface] section, not ${interfaces}: it is a wg-quick config.`);
    }
    return config;
}
const DEFAULT_ROUTES = new Set(['0.0.0.0/0', '::/0']);
/**
 * Checks what the action needs of a WireGuard config; throws a ConfigurationError otherwise.
 * `input` is the input the config came from: config or config-file.
 */
function checkWireGuardConfig(config, fullTunnel, input = 'config') {
    if (config.hooks.length > 0) {
        const lines = config.hooks.map(({ key, lineNumber }) => `line ${lineNumber} (${key})`);
        throw new errors_1.ConfigurationError(input, `has commands that wg-quick would run as root, which vpn-connect refuses to run: ${lines.join(', ')}. ` +
            'Remove these lines; run what they did as steps of their own. For DNS, keep the DNS = line: the action applies it itself (input dns).');
    }
    if (config.privateKey === '') {
        throw new errors_1.ConfigurationError('config', 'has no PrivateKey in its [Interface] section.');
    }
    if (config.addresses.length === 0) {
        throw new errors_1.ConfigurationError('config', 'has no Address in its [Interface] section: the runner would have no address in the tunnel. Add e.g. Address = 10.0.0.2/24.');
    }
    if (config.peers.length === 0) {
        throw new errors_1.ConfigurationError('config', 'has no [Peer] with a PublicKey.');
    }
    if (!config.peers.some((peer) => peer.endpoint)) {
        throw new errors_1.ConfigurationError('config', 'has no [Peer] with an Endpoint: the runner cannot reach a peer it has no address for.');
    }
    const [cover] = (0, address_ranges_1.coveredDefaultRoutes)(config.peers.flatMap((peer) => peer.allowedIps));
    if (cover && !fullTunnel && config.table?.toLowerCase() !== 'off') {
        throw new errors_1.ConfigurationError('full-tunnel', `is false, but AllowedIPs has ${(0, address_ranges_1.describeCover)(cover)}: that sends all the runner's traffic, its link to GitHub included, through the tunnel. List only the private networks in AllowedIPs, or set full-tunnel: true to accept it.`);
    }
}
function isDefaultRoute(cidr) {
    return DEFAULT_ROUTES.has(cidr.replace(/\s/g, ''));
}
function secretsOf(config) {
    return [config.privateKey, ...config.presharedKeys].filter(Boolean);
}
/**
 * The copy: the user's lines, without SaveConfig (it would write the copy back at down), and
 * without DNS, which the action applies itself (wg-quick would hand it to resolvconf, which
 * many runners lack and whose change the action could not undo exactly).
 */
function buildWireGuardCopy(config, options) {
    const dropped = [];
    const drop = (name, reason) => {
        if (!dropped.some((entry) => entry.name === name))
            dropped.push({ name, reason });
        return `# ${name} dropped by vpn-connect: ${reason}`;
    };
    const out = config.lines.map((line) => {
        if (/^\s*saveconfig\s*=/i.test(line)) {
            return drop('SaveConfig', 'the copy is deleted when the job ends');
        }
        if (/^\s*dns\s*=/i.test(line)) {
            if (options.dns)
                return '# DNS applied by vpn-connect itself';
            return drop('DNS', "the 'dns' input is false");
        }
        return line;
    });
    return { text: `${out.join('\n').trimEnd()}\n`, dropped };
}
/** The config as it may be printed: key values replaced. */
function redactWireGuardConfig(text) {
    return text.replace(/^(\s*(?:PrivateKey|PresharedKey)\s*=\s*).*$/gim, '$1[redacted]');
}
/** The runner's own address in the tunnel: the first IPv4 Address, else the first one. */
function localAddress(config) {
    const bare = config.addresses.map((address) => address.split('/')[0]);
    return bare.find((address) => (0, node_net_1.isIPv4)(address)) ?? bare[0] ?? '';
}
function ipv4ToNumber(address) {
    return address.split('.').reduce((total, part) => total * 256 + Number(part), 0);
}
function numberToIpv4(value) {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
/**
 * An address to send one packet to, so that WireGuard starts its handshake with the peer: one
 * inside the peer's AllowedIPs, not the runner's own (that would never leave the host). A peer
 * that only has the default route is probed at the first other host of the runner's subnet.
 */
function probeAddress(peer, addresses) {
    const own = new Set(addresses.map((address) => address.split('/')[0]));
    const ranges = peer.allowedIps.filter((cidr) => !isDefaultRoute(cidr));
    const candidates = ranges.length > 0 ? ranges : addresses;
    for (const cidr of candidates) {
        const [address, prefixText] = cidr.split('/');
        if (!(0, node_net_1.isIPv4)(address)) {
            if (prefixText === '128' && !own.has(address))
                return address;
            continue;
        }
        const prefix = prefixText === undefined ? 32 : Number(prefixText);
        if (prefix === 32) {
            if (!own.has(address))
                return address;
            continue;
        }
        const size = 2 ** (32 - prefix);
        const network = ipv4ToNumber(address) - (ipv4ToNumber(address) % size);
        for (let offset = 1; offset < Math.min(size - 1, 4); offset++) {
            const candidate = numberToIpv4(network + offset);
            if (!own.has(candidate))
                return candidate;
        }
    }
    return undefined;
}


/***/ }),

/***/ 300:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.WireGuardTunnel = void 0;
// The WireGuard tunnel: the action's copy of the wg-quick config, `wg-quick up` on a device of
// our own name, and a handshake with every peer that has an Endpoint.
const node_crypto_1 = __nccwpck_require__(7598);
const node_path_1 = __importDefault(__nccwpck_require__(6760));
const errors_1 = __nccwpck_require__(9223);
const dns_1 = __nccwpck_require__(4188);
const network_1 = __nccwpck_require__(9473);
const redact_1 = __nccwpck_require__(5102);
const system_1 = __nccwpck_require__(8018);
const teardown_1 = __nccwpck_require__(91);
const tunnel_1 = __nccwpck_require__(8733);
const wireguard_1 = __nccwpck_require__(77);
const wireguard_config_1 = __nccwpck_require__(2248);
// wg-quick gets what is left of connect-timeout, but never less than this.
const MIN_UP_MS = 5_000;
class WireGuardTunnel {
    ctx;
    inputs;
    privilege;
    record;
    /** A name of our own, so that the device is never one the runner already had. */
    device = `wg${(0, node_crypto_1.randomBytes)(4).toString('hex')}`;
    /** What a failed `wg-quick up` said, redacted. */
    failedUpOutput;
    constructor(ctx, inputs, privilege, workDir) {
        this.ctx = ctx;
        this.inputs = inputs;
        this.privilege = privilege;
        this.record = {
            type: 'wireguard',
            workDir,
            configPath: node_path_1.default.join(workDir, `${this.device}.conf`),
            device: this.device,
        };
    }
    describe() {
        return this.inputs.wireguard.peers
            .map((peer) => peer.endpoint)
            .filter(Boolean)
            .join(', ');
    }
    async writeConfig() {
        const copy = (0, wireguard_config_1.buildWireGuardCopy)(this.inputs.wireguard, { dns: this.inputs.dns });
        await (0, tunnel_1.saveConfigCopy)(this.ctx.log, this.inputs, this.record.configPath, copy, {
            title: 'Effective WireGuard config (secrets redacted)',
            redact: wireguard_config_1.redactWireGuardConfig,
        });
    }
    async connect(deadline, started) {
        const { exec, clock, log } = this.ctx;
        const { device, record, privilege } = this;
        const { wireguard: config, secrets } = this.inputs;
        // wg-quick falls back to wireguard-go by itself where the kernel has no module.
        const wgQuick = (0, system_1.findExecutable)('wg-quick') ?? 'wg-quick';
        const timeoutMs = Math.max(MIN_UP_MS, deadline - clock.now());
        const up = await exec(...privilege.command(wgQuick, ['up', record.configPath]), {
            timeoutMs,
        });
        const deviceIndex = await (0, network_1.interfaceIndex)(exec, device);
        const [pid] = (0, system_1.findProcesses)((argv) => (0, teardown_1.isOurProcess)(argv, record));
        started({ deviceIndex, pid });
        const output = (0, redact_1.redactSecrets)(`${up.stdout}${up.stderr}`.trimEnd(), secrets);
        if (up.code !== 0) {
            this.failedUpOutput = output;
            throw new errors_1.ActionFailure(`wg-quick up failed: ${(0, redact_1.redactSecrets)((0, system_1.describeFailure)(up, timeoutMs), secrets)}`);
        }
        await (0, tunnel_1.printGroup)(log, `wg-quick up ${device}`, output);
        await (0, wireguard_1.waitForHandshakes)(this.ctx, (0, system_1.findExecutable)('wg') ?? 'wg', device, config, privilege, deadline, this.inputs.connectTimeoutMs);
        return {
            server: this.describe(),
            device,
            localIp: (0, wireguard_config_1.localAddress)(config),
            dns: (0, dns_1.wireGuardDns)(config.dns),
        };
    }
    async explainFailure() {
        // Only wg-quick up has words of its own; a missing handshake is explained by its error.
        if (this.failedUpOutput === undefined)
            return;
        await (0, tunnel_1.printOutput)(this.ctx.log, 'wg-quick output', this.failedUpOutput, this.inputs.secrets);
    }
}
exports.WireGuardTunnel = WireGuardTunnel;


/***/ }),

/***/ 77:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseHandshakes = parseHandshakes;
exports.waitForHandshakes = waitForHandshakes;
// Waiting for a WireGuard interface's handshake with its peers.
const node_dgram_1 = __nccwpck_require__(1314);
const node_net_1 = __nccwpck_require__(7030);
const duration_1 = __nccwpck_require__(3788);
const errors_1 = __nccwpck_require__(9223);
const system_1 = __nccwpck_require__(8018);
const wireguard_config_1 = __nccwpck_require__(2248);
/** `wg show DEVICE latest-handshakes`: public key -> seconds since the epoch (0: never). */
function parseHandshakes(output) {
    const handshakes = new Map();
    for (const line of output.split('\n')) {
        const [key, time] = line.trim().split(/\s+/);
        if (key && time !== undefined)
            handshakes.set(key, Number(time));
    }
    return handshakes;
}
/** Sends one UDP packet to the discard port: WireGuard starts a handshake to carry it. */
function nudge(address) {
    return new Promise((resolve) => {
        const socket = (0, node_dgram_1.createSocket)((0, node_net_1.isIPv4)(address) ? 'udp4' : 'udp6');
        socket.on('error', () => {
            socket.close();
            resolve();
        });
        socket.send(Buffer.alloc(1), 9, address, () => {
            socket.close();
            resolve();
        });
    });
}
const NUDGE_EVERY_MS = 1_000;
const POLL_EVERY_MS = 25;
const WG_SHOW_TIMEOUT_MS = 10_000;
/**
 * Waits until every peer that has an Endpoint has completed a handshake: proof that the keys
 * match and the peer answers, which an interface merely being up is not.
 */
async function waitForHandshakes({ exec, clock }, wg, device, config, privilege, deadline, timeoutMs) {
    const peers = config.peers.filter((peer) => peer.endpoint);
    const probes = peers.map((peer) => (0, wireguard_config_1.probeAddress)(peer, config.addresses));
    let lastNudge = 0;
    let waiting;
    for (;;) {
        if (clock.now() - lastNudge >= NUDGE_EVERY_MS) {
            lastNudge = clock.now();
            await Promise.all(probes.filter((address) => address !== undefined).map(nudge));
        }
        const result = await exec(...privilege.command(wg, ['show', device, 'latest-handshakes']), {
            timeoutMs: WG_SHOW_TIMEOUT_MS,
        });
        if (result.code !== 0) {
            throw new errors_1.ActionFailure(`Could not read the state of ${device}: ${(0, system_1.describeFailure)(result, WG_SHOW_TIMEOUT_MS)}`);
        }
        const handshakes = parseHandshakes(result.stdout);
        waiting = peers.filter((peer) => !((handshakes.get(peer.publicKey) ?? 0) > 0));
        if (waiting.length === 0)
            return;
        if (clock.now() > deadline)
            break;
        await clock.sleep(POLL_EVERY_MS);
    }
    const names = waiting.map((peer) => `${peer.publicKey.slice(0, 8)}... at ${peer.endpoint}`);
    throw new errors_1.ActionFailure(`No WireGuard handshake with ${names.join(', ')} within 'connect-timeout' (${(0, duration_1.formatDuration)(timeoutMs)}). ` +
        "Check that the Endpoint is reachable over UDP from the runner, that the peer lists this runner's public key, and the PublicKey (and PresharedKey) in the config.");
}


/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = require("crypto");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = require("fs");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = require("node:crypto");

/***/ }),

/***/ 1314:
/***/ ((module) => {

module.exports = require("node:dgram");

/***/ }),

/***/ 1553:
/***/ ((module) => {

module.exports = require("node:dns/promises");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = require("node:fs");

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

/***/ 8161:
/***/ ((module) => {

module.exports = require("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = require("node:path");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = require("node:tls");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = require("os");

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
/************************************************************************/
var __webpack_exports__ = {};
// This entry need to be wrapped in an IIFE because it uses a non-standard name for the exports (exports).
(() => {
var exports = __webpack_exports__;

Object.defineProperty(exports, "__esModule", ({ value: true }));
__nccwpck_require__(2577);
const main_1 = __nccwpck_require__(6866);
void (0, main_1.run)();

})();

module.exports = __webpack_exports__;
/******/ })()
;