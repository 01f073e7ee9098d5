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

/***/ 228:
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

/***/ 980:
/***/ ((__unused_webpack_module, exports) => {


// Render's deploy statuses, and what each means for the step.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.statusOutcome = statusOutcome;
exports.isFinished = isFinished;
const OUTCOMES = {
    created: 'in-progress',
    queued: 'in-progress',
    build_in_progress: 'in-progress',
    update_in_progress: 'in-progress',
    pre_deploy_in_progress: 'in-progress',
    live: 'live',
    // A newer deploy went live after this one: this one worked, but is no longer what runs.
    deactivated: 'replaced',
    build_failed: 'failed',
    update_failed: 'failed',
    pre_deploy_failed: 'failed',
    canceled: 'failed',
};
function statusOutcome(status) {
    // Own keys only: a status Render may add, or any text, is never read as `constructor`.
    return Object.hasOwn(OUTCOMES, status) ? OUTCOMES[status] : 'unknown';
}
function isFinished(outcome) {
    return outcome === 'live' || outcome === 'replaced' || outcome === 'failed';
}


/***/ }),

/***/ 221:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.triggerDeploy = triggerDeploy;
exports.findTriggeredDeploy = findTriggeredDeploy;
exports.waitForDeploy = waitForDeploy;
const errors_1 = __nccwpck_require__(223);
const duration_1 = __nccwpck_require__(788);
const outside_text_1 = __nccwpck_require__(725);
const http_1 = __nccwpck_require__(4);
const retry_1 = __nccwpck_require__(280);
const hook_url_1 = __nccwpck_require__(993);
const deploy_status_1 = __nccwpck_require__(980);
/** Render accepts 10 hook calls a minute per service: a few tries, spread out, stay well inside. */
const HOOK_ATTEMPTS = 4;
const HOOK_BACKOFF = { initialMs: 1_000, maxMs: 8_000 };
const HOOK_REQUEST_TIMEOUT_MS = 30_000;
/** Calls the deploy hook once, retrying only when no answer came or Render was busy or failing. */
async function triggerDeploy(hook, imageUrl, deadline, { http, clock, log }) {
    const url = (0, hook_url_1.hookCallUrl)(hook, imageUrl);
    try {
        return await (0, retry_1.withRetry)(async () => {
            const sentAt = clock.now();
            const response = await http({
                method: 'POST',
                url,
                headers: { Accept: 'application/json' },
                timeoutMs: Math.max(1, Math.min(HOOK_REQUEST_TIMEOUT_MS, deadline - sentAt)),
            });
            (0, http_1.expectSuccess)(response, 'The deploy hook', clock.now());
            return { deployId: deployIdOf(response.body), sentAt };
        }, {
            attempts: HOOK_ATTEMPTS,
            backoff: HOOK_BACKOFF,
            clock,
            deadline,
            classify: http_1.classifyHttpError,
            onRetry: ({ delayMs, reason }) => log.warning(`${reason}; calling the deploy hook again in ${(0, duration_1.formatDuration)(delayMs)}.`),
        });
    }
    catch (error) {
        throw new errors_1.ActionFailure(explainHookError(error, hook.serviceId, imageUrl));
    }
}
function deployIdOf(body) {
    try {
        const parsed = JSON.parse(body);
        const id = parsed?.deploy?.id;
        return typeof id === 'string' && id !== '' ? id : undefined;
    }
    catch {
        return undefined;
    }
}
function explainHookError(error, serviceId, imageUrl) {
    if (error instanceof http_1.NoResponseError ||
        (error instanceof http_1.HttpStatusError && (0, http_1.isTransientStatus)(error.status))) {
        return `Could not trigger a deploy of ${serviceId}: ${error.message}. No more retries were possible before the timeout or the retry limit.`;
    }
    if (error instanceof http_1.HttpStatusError) {
        const hints = {
            400: imageUrl
                ? "Render refused the request: 'image-url' must name the service's own image (only the tag or digest may differ)."
                : 'Render refused the request.',
            401: "The key in 'deploy-hook-url' was refused: copy the current Deploy Hook from the service's Settings page (regenerating it invalidates the old one).",
            403: "The key in 'deploy-hook-url' was refused: copy the current Deploy Hook from the service's Settings page (regenerating it invalidates the old one).",
            404: `Render knows no service ${serviceId}: check 'deploy-hook-url'.`,
        };
        return `${error.message}. ${hints[error.status] ?? 'The deploy was not triggered.'}`;
    }
    return `Could not trigger a deploy of ${serviceId}: ${(0, errors_1.errorMessage)(error)}`;
}
const LOOKUP_ATTEMPTS = 5;
const LOOKUP_SPACING_MS = 2_000;
/**
 * Finds the deploy a hook call started when its answer did not say: the first deploy created
 * at or after the call (and, given an image, one of that image). Render may list it a moment
 * late, so an empty list is asked again a few times.
 */
async function findTriggeredDeploy(api, serviceId, trigger, imageUrl, deadline, { clock, log }) {
    const since = new Date(trigger.sentAt);
    for (let attempt = 1;; attempt++) {
        const listed = await api.listDeploysSince(serviceId, since, deadline - clock.now());
        const candidates = listed
            .filter((deploy) => deploy.createdAt === undefined || Date.parse(deploy.createdAt) >= trigger.sentAt)
            .filter((deploy) => imageUrl === undefined ||
            deploy.image?.ref === undefined ||
            deploy.image.ref === imageUrl)
            .sort((a, b) => Date.parse(a.createdAt ?? '') - Date.parse(b.createdAt ?? ''));
        if (candidates.length > 0) {
            log.info(`The hook's answer named no deploy; found ${(0, outside_text_1.inertInline)(candidates[0].id)}, created after the call.`);
            return candidates[0];
        }
        const delay = LOOKUP_SPACING_MS;
        if (attempt >= LOOKUP_ATTEMPTS || clock.now() + delay > deadline) {
            throw new errors_1.ActionFailure(`The deploy hook was called, but Render lists no deploy of ${serviceId} created since ${since.toISOString()}; the deploy could not be followed.`);
        }
        await clock.sleep(delay);
    }
}
/**
 * Polls the deploy until it finishes or the deadline passes. A deploy that fails, or time
 * running out, fails the step; busy or failing answers from the API are polled again.
 */
async function waitForDeploy(api, { serviceId, deployId, pollIntervalMs, startedAt, deadline }, { clock, log }, onStatus = () => undefined) {
    // Render's ids and statuses are outside text: printed inert (outside-text.ts).
    const shownId = (0, outside_text_1.inertInline)(deployId);
    let lastStatus = 'unknown (no answer yet)';
    let warnedUnknown = false;
    for (;;) {
        let delay = pollIntervalMs;
        try {
            const deploy = await api.getDeploy(serviceId, deployId, deadline - clock.now());
            const outcome = (0, deploy_status_1.statusOutcome)(deploy.status);
            if (deploy.status !== lastStatus) {
                log.info(`Deploy ${shownId}: ${(0, outside_text_1.inertInline)(deploy.status)} (${(0, duration_1.formatDuration)(clock.now() - startedAt)})`);
                lastStatus = deploy.status;
                onStatus(deploy.status);
            }
            if ((0, deploy_status_1.isFinished)(outcome))
                return { status: deploy.status, outcome };
            if (outcome === 'unknown' && !warnedUnknown) {
                warnedUnknown = true;
                log.warning(`Render reports a status this action does not know, '${(0, outside_text_1.inertInline)(deploy.status)}'; waiting on as if in progress.`);
            }
        }
        catch (error) {
            const decision = (0, http_1.classifyHttpError)(error);
            if (!decision.retry)
                throw error;
            log.warning(`${decision.reason}; asking again.`);
            delay = Math.max(delay, decision.afterMs ?? 0);
        }
        if (clock.now() + delay > deadline) {
            throw new errors_1.ActionFailure(`Deploy ${shownId} of ${serviceId} did not finish within 'timeout' (${(0, duration_1.formatDuration)(deadline - startedAt)}); its last status was ${(0, outside_text_1.inertInline)(lastStatus)}. Raise 'timeout' if deploys take longer.`);
        }
        await clock.sleep(delay);
    }
}


/***/ }),

/***/ 993:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseDeployHook = parseDeployHook;
exports.hookCallUrl = hookCallUrl;
const errors_1 = __nccwpck_require__(223);
const input_values_1 = __nccwpck_require__(153);
const INPUT = 'deploy-hook-url';
// Any host (a proxy, a test server) and any path prefix, but the path must end in the
// Render hook's own shape: /deploy/<service id>.
const HOOK_PATH = /\/deploy\/((?:srv|crn)-[a-z0-9]+)\/?$/;
/**
 * Reads a deploy hook URL. Its messages never repeat the URL: it holds the key.
 */
function parseDeployHook(raw) {
    const url = (0, input_values_1.parseUrl)(INPUT, raw);
    const path = HOOK_PATH.exec(url.pathname);
    if (!path) {
        throw new errors_1.ConfigurationError(INPUT, "the path must be /deploy/srv-<service id>. Copy the service's Deploy Hook from its Settings page on Render.");
    }
    const key = url.searchParams.get('key') ?? '';
    if (key === '') {
        throw new errors_1.ConfigurationError(INPUT, "the 'key' query parameter is missing. Copy the whole Deploy Hook, ?key=... included, from the service's Settings page on Render.");
    }
    return { url, serviceId: path[1], key };
}
/** The URL to call: the hook, with `imgURL` set when an image is to be deployed. */
function hookCallUrl(hook, imageUrl) {
    const url = new URL(hook.url);
    if (imageUrl !== undefined)
        url.searchParams.set('imgURL', imageUrl);
    return url.toString();
}


/***/ }),

/***/ 419:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.getInputs = getInputs;
const errors_1 = __nccwpck_require__(223);
const input_values_1 = __nccwpck_require__(153);
const image_reference_1 = __nccwpck_require__(859);
const mask_1 = __nccwpck_require__(624);
const hook_url_1 = __nccwpck_require__(993);
/** Reads and checks every input. Secrets are masked before anything can print them. */
function getInputs(runner) {
    const hookText = runner.getInput('deploy-hook-url');
    const apiKey = runner.getInput('api-key');
    const setSecret = (value) => runner.setSecret(value);
    (0, mask_1.maskSecret)(hookText, setSecret);
    (0, mask_1.maskSecret)(apiKey, setSecret);
    if (hookText === '') {
        throw new errors_1.ConfigurationError('deploy-hook-url', "is required. Pass the service's Deploy Hook as a secret: deploy-hook-url: ${{ secrets.RENDER_DEPLOY_HOOK }}");
    }
    const hook = (0, hook_url_1.parseDeployHook)(hookText);
    (0, mask_1.maskSecret)(hook.key, setSecret);
    const imageUrl = runner.getInput('image-url') || undefined;
    if (imageUrl !== undefined) {
        if (!(0, image_reference_1.parseImageReference)(imageUrl)) {
            throw new errors_1.ConfigurationError('image-url', `'${imageUrl}' is not an image reference. Write registry/name:tag or registry/name@sha256:<digest>, e.g. docker.io/user/app:0.1.42.`);
        }
        if (hook.url.searchParams.has('imgURL')) {
            throw new errors_1.ConfigurationError('image-url', "'deploy-hook-url' already carries an imgURL parameter: give the image in one place only, preferably 'image-url'.");
        }
    }
    const wait = (0, input_values_1.parseBoolean)('wait', runner.getInput('wait'));
    if (wait && apiKey === '') {
        throw new errors_1.ConfigurationError('api-key', "is required when wait is true, to follow the deploy through Render's API. Create a key under Account Settings > API Keys on Render and pass it as a secret: api-key: ${{ secrets.RENDER_API_KEY }}");
    }
    return {
        hook,
        imageUrl,
        wait,
        apiKey: apiKey || undefined,
        apiUrl: (0, input_values_1.parseUrl)('api-url', runner.getInput('api-url')).toString().replace(/\/+$/, ''),
        timeoutMs: (0, input_values_1.parsePositiveDuration)('timeout', runner.getInput('timeout')),
        pollIntervalMs: (0, input_values_1.parsePositiveDuration)('poll-interval', runner.getInput('poll-interval')),
    };
}


/***/ }),

/***/ 847:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.run = run;
exports.main = main;
const errors_1 = __nccwpck_require__(223);
const http_1 = __nccwpck_require__(4);
const outside_text_1 = __nccwpck_require__(725);
const retry_1 = __nccwpck_require__(280);
const step_1 = __nccwpck_require__(254);
const summary_1 = __nccwpck_require__(834);
const deploy_1 = __nccwpck_require__(221);
const inputs_1 = __nccwpck_require__(419);
const render_api_1 = __nccwpck_require__(943);
const report_1 = __nccwpck_require__(48);
async function run() {
    await (0, step_1.runMainStep)(main);
}
async function main(ctx) {
    const { runner, log, clock } = ctx;
    const startedAt = clock.now();
    const inputs = (0, inputs_1.getInputs)(runner);
    // `timeout` bounds the whole step, hook retries included.
    const deadline = startedAt + inputs.timeoutMs;
    const serviceId = inputs.hook.serviceId;
    const report = { serviceId, imageUrl: inputs.imageUrl, status: '' };
    const api = inputs.apiKey
        ? new render_api_1.RenderApi(inputs.apiUrl, inputs.apiKey, ctx.http, clock)
        : undefined;
    try {
        // With an API key, the service is looked up first: a key that cannot follow the deploy
        // must fail the step before a deploy is started, not after.
        const service = api
            ? await lookUpService(api, serviceId, inputs.wait, deadline, ctx)
            : undefined;
        report.serviceName = typeof service?.name === 'string' ? service.name : undefined;
        const trigger = await (0, deploy_1.triggerDeploy)(inputs.hook, inputs.imageUrl, deadline, ctx);
        report.status = 'triggered';
        report.deployId = trigger.deployId;
        if (api && inputs.wait && !report.deployId) {
            report.deployId = (await (0, deploy_1.findTriggeredDeploy)(api, serviceId, trigger, inputs.imageUrl, deadline, ctx)).id;
        }
        report.dashboardUrl = (0, report_1.dashboardUrl)(serviceId, service, report.deployId);
        // Render's ids, statuses and URLs are outside text: printed inert (outside-text.ts).
        const shownId = (0, outside_text_1.inertInline)(report.deployId ?? '(Render named none)');
        const shownUrl = (0, outside_text_1.inertInline)(report.dashboardUrl);
        log.info(`Triggered deploy ${shownId} of ${serviceId}` +
            `${inputs.imageUrl ? ` with image ${inputs.imageUrl}` : ''}: ${shownUrl}`);
        if (api && inputs.wait && report.deployId) {
            const target = { serviceId, deployId: report.deployId, startedAt, deadline };
            const result = await (0, deploy_1.waitForDeploy)(api, { ...target, pollIntervalMs: inputs.pollIntervalMs }, ctx, (status) => (report.status = status));
            if (result.outcome === 'failed') {
                throw new errors_1.ActionFailure(`Deploy ${shownId} of ${serviceId} ended with status ${(0, outside_text_1.inertInline)(result.status)}. Its logs: ${shownUrl}`);
            }
            if (result.outcome === 'replaced') {
                log.warning(`Deploy ${shownId} went live, but a newer deploy has since replaced it (status ${(0, outside_text_1.inertInline)(result.status)}).`);
            }
        }
    }
    finally {
        report.elapsedMs = clock.now() - startedAt;
        runner.setOutput('service-id', serviceId);
        runner.setOutput('deploy-id', report.deployId ?? '');
        runner.setOutput('status', report.status);
        runner.setOutput('dashboard-url', report.dashboardUrl ?? (0, report_1.dashboardUrl)(serviceId, undefined));
        await writeSummary(ctx.summary, report);
    }
}
async function lookUpService(api, serviceId, required, deadline, { clock, log }) {
    try {
        return await (0, retry_1.withRetry)(() => api.getService(serviceId, deadline - clock.now()), {
            attempts: 3,
            backoff: { initialMs: 1_000, maxMs: 4_000 },
            clock,
            deadline,
            classify: http_1.classifyHttpError,
        });
    }
    catch (error) {
        if (required)
            throw error;
        log.warning(`Could not look up ${serviceId} with 'api-key' (${(0, outside_text_1.inertInline)((0, errors_1.errorMessage)(error))}); carrying on without it.`);
        return undefined;
    }
}
/** The table's cells are escaped by tableRows; the link's address, in an attribute, here. */
async function writeSummary(summary, report) {
    const written = summary.addHeading('Render deploy', 3).addTable((0, summary_1.tableRows)((0, report_1.summaryRows)(report)));
    if (report.dashboardUrl) {
        written.addLink('Open the deploy on Render', (0, summary_1.escapeHtml)(report.dashboardUrl));
    }
    await written.write();
}


/***/ }),

/***/ 943:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RenderApi = void 0;
const errors_1 = __nccwpck_require__(223);
const http_1 = __nccwpck_require__(4);
const outside_text_1 = __nccwpck_require__(725);
const REQUEST_TIMEOUT_MS = 30_000;
/** The few calls of Render's REST API (v1) the action makes, with Bearer authentication. */
class RenderApi {
    baseUrl;
    apiKey;
    http;
    clock;
    constructor(baseUrl, apiKey, http, clock) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
        this.http = http;
        this.clock = clock;
    }
    getService(serviceId, timeoutMs = REQUEST_TIMEOUT_MS) {
        return this.get(`/services/${segment(serviceId)}`, `service ${serviceId}`, timeoutMs);
    }
    async getDeploy(serviceId, deployId, timeoutMs = REQUEST_TIMEOUT_MS) {
        const deploy = await this.get(`/services/${segment(serviceId)}/deploys/${segment(deployId)}`, `deploy ${(0, outside_text_1.inertInline)(deployId)}`, timeoutMs);
        const status = deploy?.status;
        // Any JSON may come back: what is not text is shown as JSON, never converted by its own
        // toString (which an object can make fail).
        return {
            ...deploy,
            id: deployId,
            status: typeof status === 'string' ? status : (JSON.stringify(status) ?? 'none'),
        };
    }
    /** Deploys of a service created after `since`, as Render lists them. */
    async listDeploysSince(serviceId, since, timeoutMs = REQUEST_TIMEOUT_MS) {
        const query = new URLSearchParams({ createdAfter: since.toISOString(), limit: '20' });
        const page = await this.get(`/services/${segment(serviceId)}/deploys?${query.toString()}`, `the deploys of ${serviceId}`, timeoutMs);
        if (!Array.isArray(page))
            throw new Error('Render answered the deploy list with something other than a list');
        return page
            .map((item) => item.deploy)
            .filter((deploy) => typeof deploy?.id === 'string');
    }
    async get(path, what, timeoutMs) {
        const response = await this.http({
            method: 'GET',
            url: `${this.baseUrl}${path}`,
            headers: { Authorization: `Bearer ${this.apiKey}`, Accept: 'application/json' },
            // Never zero or less: a request at the deadline still gets a moment to answer.
            timeoutMs: Math.max(1, Math.min(timeoutMs, REQUEST_TIMEOUT_MS)),
        });
        try {
            (0, http_1.expectSuccess)(response, `Render's API, asked for ${what},`, this.clock.now());
        }
        catch (error) {
            throw explainApiError(error, what);
        }
        try {
            return JSON.parse(response.body);
        }
        catch {
            // JSON.parse's message quotes the body: the server's text stays out of the log.
            throw new errors_1.ActionFailure(`Render's API answered for ${what} with something other than JSON.`);
        }
    }
}
exports.RenderApi = RenderApi;
/**
 * An id (the service's, from the hook URL, or a deploy's, from Render's answers) as one
 * segment of a URL path: percent-encoded, so that no `/`, `?`, `#` or `%` in it reaches
 * another path or endpoint. `.` and `..` would still be read as a step up: they are no ids.
 */
function segment(id) {
    if (id === '' || id === '.' || id === '..') {
        throw new errors_1.ActionFailure(`Render named a deploy '${(0, outside_text_1.inertInline)(id)}', which cannot be asked for by its id.`);
    }
    return encodeURIComponent(id);
}
function explainApiError(error, what) {
    if (!(error instanceof http_1.HttpStatusError))
        return error;
    const hint = {
        401: "Render refused 'api-key': create a key under Account Settings > API Keys on Render and pass it as a secret.",
        403: "Render refused 'api-key' access: the key's owner must belong to the workspace that owns the service.",
        404: `Render's API knows no ${what}: check that 'api-key' belongs to the workspace of the service in 'deploy-hook-url', and that 'api-url' is right.`,
    };
    const text = hint[error.status];
    return text
        ? new http_1.HttpStatusError(error.status, `${error.message}. ${text}`, error.retryAfterMs)
        : error;
}


/***/ }),

/***/ 48:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.dashboardUrl = dashboardUrl;
exports.summaryRows = summaryRows;
const duration_1 = __nccwpck_require__(788);
const DASHBOARD = 'https://dashboard.render.com';
/**
 * The deploy's page on Render's dashboard. The service's own dashboard URL is exact; without
 * API access, or when Render's answer holds no https URL, the URL is built from the id's kind
 * (a guess for private services and workers, which Render redirects). The deploy id, from
 * Render's answers, is percent-encoded into one path segment.
 */
function dashboardUrl(serviceId, service, deployId) {
    const base = httpsUrl(service?.dashboardUrl) ??
        `${DASHBOARD}/${serviceId.startsWith('crn-') ? 'cron' : 'web'}/${encodeURIComponent(serviceId)}`;
    return deployId ? `${base.replace(/\/+$/, '')}/deploys/${encodeURIComponent(deployId)}` : base;
}
/** An https page's address without query or fragment, so that a path can follow it. */
function httpsUrl(text) {
    if (typeof text !== 'string')
        return undefined;
    try {
        const url = new URL(text);
        return url.protocol === 'https:' ? `${url.origin}${url.pathname}` : undefined;
    }
    catch {
        return undefined;
    }
}
/** The job summary's table, as rows of cells; the first row is the header. */
function summaryRows(report) {
    const service = report.serviceName
        ? `${report.serviceName} (${report.serviceId})`
        : report.serviceId;
    return [
        ['Service', 'Deploy', 'Image', 'Status', 'Time taken'],
        [
            service,
            report.deployId ?? '(not named by Render)',
            report.imageUrl ?? "(the service's configured image or branch)",
            report.status || 'not triggered',
            report.elapsedMs === undefined ? '' : (0, duration_1.formatDuration)(report.elapsedMs),
        ],
    ];
}


/***/ }),

/***/ 577:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
// Imported first by every main entry: a main step on a Node.js older than the bundles need
// fails at once, before any other module of the bundle is evaluated.
const node_version_1 = __nccwpck_require__(109);
(0, node_version_1.stopOnOldNode)('main');


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

/***/ 788:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseDuration = parseDuration;
exports.formatDuration = formatDuration;
const errors_1 = __nccwpck_require__(223);
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

/***/ 153:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseBoolean = parseBoolean;
exports.parsePositiveDuration = parsePositiveDuration;
exports.parseInteger = parseInteger;
exports.parseList = parseList;
exports.parseLines = parseLines;
exports.parseUrl = parseUrl;
const errors_1 = __nccwpck_require__(223);
const duration_1 = __nccwpck_require__(788);
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

/***/ 624:
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
const summary_1 = __nccwpck_require__(228);
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

/***/ 834:
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
__nccwpck_require__(577);
const main_1 = __nccwpck_require__(847);
void (0, main_1.run)();

})();

module.exports = __webpack_exports__;
/******/ })()
;