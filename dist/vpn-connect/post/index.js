/******/ (() => { // webpackBootstrap
/******/ 	"use strict";
/******/ 	var __webpack_modules__ = ({

/***/ 914:
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

/***/ 753:
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
const crypto = __importStar(__nccwpck_require__(982));
const fs = __importStar(__nccwpck_require__(896));
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

/***/ 847:
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
const fs_1 = __nccwpck_require__(896);
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

/***/ 678:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
// Imported first by every post entry: a post step on a Node.js older than the bundles need
// warns and ends at once, before any other module of the bundle is evaluated.
const node_version_1 = __nccwpck_require__(109);
(0, node_version_1.stopOnOldNode)('post');


/***/ }),

/***/ 797:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.logOf = logOf;
exports.createContext = createContext;
// What every action's main and post are handed: the runner's channels and the outside world,
// built once by the step runner (step.ts). Logic takes the parts it needs; tests build their
// own context with `testContext` (context-testing.ts).
const node_fs_1 = __nccwpck_require__(24);
const http_1 = __nccwpck_require__(4);
const outside_text_1 = __nccwpck_require__(725);
const process_1 = __nccwpck_require__(35);
const retry_1 = __nccwpck_require__(280);
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

/***/ 223:
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

/***/ 4:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.fetchHttpClient = exports.HttpStatusError = exports.NoResponseError = void 0;
exports.isTransientStatus = isTransientStatus;
exports.expectSuccess = expectSuccess;
exports.classifyHttpError = classifyHttpError;
exports.proxyFor = proxyFor;
const node_net_1 = __nccwpck_require__(30);
const errors_1 = __nccwpck_require__(223);
const outside_text_1 = __nccwpck_require__(725);
const retry_1 = __nccwpck_require__(280);
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
            Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 67, 23)),
            Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 708, 23)),
            Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 692, 23)),
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

/***/ 109:
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

/***/ 725:
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

/***/ 35:
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

/***/ 280:
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

/***/ 266:
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
const node_module_1 = __nccwpck_require__(995);
const command_1 = __nccwpck_require__(914);
const file_command_1 = __nccwpck_require__(753);
const summary_1 = __nccwpck_require__(847);
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

/***/ 254:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.runMainStep = runMainStep;
exports.runPostStep = runPostStep;
const context_1 = __nccwpck_require__(797);
const errors_1 = __nccwpck_require__(223);
const runner_1 = __nccwpck_require__(266);
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

/***/ 739:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.run = run;
exports.cleanup = cleanup;
const step_1 = __nccwpck_require__(254);
const state_1 = __nccwpck_require__(134);
const system_1 = __nccwpck_require__(18);
const teardown_1 = __nccwpck_require__(91);
async function run() {
    await (0, step_1.runPostStep)(cleanup);
}
/** Takes down whatever main left; checks everything, assumes nothing, never fails the job. */
async function cleanup(ctx) {
    const { log } = ctx;
    const record = (0, state_1.loadRecord)(ctx.runner);
    if (!record) {
        log.info('The main step started nothing: nothing to clean up.');
        return;
    }
    if (record.closed)
        log.info('The main step already took the tunnel down; checking.');
    const clean = await (0, teardown_1.teardown)(ctx, record, (0, system_1.currentPrivilege)());
    if (clean)
        log.info('Disconnected: no process, interface or file of this action is left.');
}


/***/ }),

/***/ 188:
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
const node_net_1 = __nccwpck_require__(30);
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

/***/ 473:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.routeCidrs = routeCidrs;
exports.tunnelRoutes = tunnelRoutes;
exports.interfaceIndex = interfaceIndex;
exports.interfaceWithAddress = interfaceWithAddress;
exports.routeDevice = routeDevice;
const system_1 = __nccwpck_require__(18);
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

/***/ 777:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.applyDns = applyDns;
exports.restoreDns = restoreDns;
// Telling the runner's resolver about the tunnel's DNS, and putting its own back. What was
// there is saved (through `keep`) before anything changes, so that post can undo it even after
// a main step that died half-way. Root's rights come through the Privilege, as for the tunnel.
const node_fs_1 = __nccwpck_require__(24);
const errors_1 = __nccwpck_require__(223);
const dns_1 = __nccwpck_require__(188);
const system_1 = __nccwpck_require__(18);
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

/***/ 134:
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

/***/ 18:
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
const node_fs_1 = __nccwpck_require__(24);
const node_os_1 = __nccwpck_require__(161);
const node_path_1 = __importDefault(__nccwpck_require__(760));
const errors_1 = __nccwpck_require__(223);
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
const node_fs_1 = __nccwpck_require__(24);
const errors_1 = __nccwpck_require__(223);
const network_1 = __nccwpck_require__(473);
const resolver_1 = __nccwpck_require__(777);
const system_1 = __nccwpck_require__(18);
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

/***/ 982:
/***/ ((module) => {

module.exports = require("crypto");

/***/ }),

/***/ 896:
/***/ ((module) => {

module.exports = require("fs");

/***/ }),

/***/ 24:
/***/ ((module) => {

module.exports = require("node:fs");

/***/ }),

/***/ 67:
/***/ ((module) => {

module.exports = require("node:http");

/***/ }),

/***/ 708:
/***/ ((module) => {

module.exports = require("node:https");

/***/ }),

/***/ 995:
/***/ ((module) => {

module.exports = require("node:module");

/***/ }),

/***/ 30:
/***/ ((module) => {

module.exports = require("node:net");

/***/ }),

/***/ 161:
/***/ ((module) => {

module.exports = require("node:os");

/***/ }),

/***/ 760:
/***/ ((module) => {

module.exports = require("node:path");

/***/ }),

/***/ 692:
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
__nccwpck_require__(678);
const cleanup_1 = __nccwpck_require__(739);
void (0, cleanup_1.run)();

})();

module.exports = __webpack_exports__;
/******/ })()
;