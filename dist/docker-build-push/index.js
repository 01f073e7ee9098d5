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

/***/ 5987:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.LABEL_KEY = exports.BUILD_ARG_KEY = void 0;
exports.parseAttestation = parseAttestation;
exports.parseAnnotations = parseAnnotations;
exports.parseKeyValues = parseKeyValues;
exports.parseSecrets = parseSecrets;
exports.cacheType = cacheType;
exports.cacheReference = cacheReference;
exports.checkBuildSources = checkBuildSources;
const errors_1 = __nccwpck_require__(9223);
const input_values_1 = __nccwpck_require__(9153);
/**
 * `provenance`/`sbom`: false, true, or buildx's own options (mode=max, generator=IMAGE),
 * comma-separated KEY=VALUE. Empty means false: the pushed manifest stays a plain image.
 */
function parseAttestation(input, raw) {
    const text = raw.trim();
    const lower = text.toLowerCase();
    if (lower === '' || lower === 'false')
        return 'false';
    if (lower === 'true')
        return 'true';
    if (/^[a-z][a-z0-9-]*=[^,\s]+(?:,[a-z][a-z0-9-]*=[^,\s]+)*$/i.test(text))
        return text;
    throw new errors_1.ConfigurationError(input, `'${text}' is not an attestation choice. Use false, true, or buildx's options, e.g. mode=max.`);
}
/** `annotations`: one a line, KEY=VALUE, the key optionally led by a level (index:, manifest:). */
function parseAnnotations(raw) {
    return (0, input_values_1.parseLines)(raw).map((line) => {
        if (!/^(?:[a-z-]+(?:\[[^\]]*\])?(?:,[a-z-]+(?:\[[^\]]*\])?)*:)?[A-Za-z0-9][A-Za-z0-9._\-/]*=/.test(line)) {
            throw new errors_1.ConfigurationError('annotations', `'${line}' is not KEY=VALUE. Write one a line, as buildx takes them, e.g. org.opencontainers.image.description=My app or index:org.opencontainers.image.description=My app.`);
        }
        return line;
    });
}
function parseKeyValues(input, raw, keyPattern) {
    return (0, input_values_1.parseLines)(raw).map((line) => {
        const equals = line.indexOf('=');
        const key = equals < 0 ? line : line.slice(0, equals).trim();
        if (equals < 0 || !keyPattern.test(key)) {
            throw new errors_1.ConfigurationError(input, `'${line}' is not KEY=VALUE. Write one per line, e.g. ${input === 'labels' ? 'com.example.team=payments' : 'NODE_ENV=production'}.`);
        }
        return `${key}=${line.slice(equals + 1)}`;
    });
}
exports.BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
exports.LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;
/** `id=NAME,src=PATH` or `id=NAME,env=VARIABLE`, one a line. */
function parseSecrets(raw) {
    const ids = new Set();
    return (0, input_values_1.parseLines)(raw).map((spec) => {
        const fields = new Map();
        for (const part of spec.split(',')) {
            const equals = part.indexOf('=');
            const key = part.slice(0, equals).trim();
            if (equals < 0 || !['id', 'src', 'source', 'env', 'type'].includes(key)) {
                throw new errors_1.ConfigurationError('secrets', `'${spec}' is not a build secret. Write id=NAME,src=PATH or id=NAME,env=VARIABLE, one a line.`);
            }
            fields.set(key === 'source' ? 'src' : key, part.slice(equals + 1).trim());
        }
        const id = fields.get('id');
        const src = fields.get('src');
        const env = fields.get('env');
        if (!id || (src === undefined) === (env === undefined) || (src ?? env) === '') {
            throw new errors_1.ConfigurationError('secrets', `'${spec}' needs an id and exactly one of src= or env=: id=npmrc,src=.npmrc or id=token,env=NPM_TOKEN.`);
        }
        if (ids.has(id)) {
            throw new errors_1.ConfigurationError('secrets', `the id '${id}' is given twice; ids must be unique.`);
        }
        ids.add(id);
        return { id, src, env, spec };
    });
}
/** Each buildx cache spec's type; a bare reference is a registry cache. */
function cacheType(spec) {
    const type = /(?:^|,)\s*type=([^,]+)/.exec(spec)?.[1].trim();
    // buildx reads a spec without a type (`ref=...` or a bare reference) as a registry cache.
    return type ?? 'registry';
}
/** The image a registry cache spec names: `type=registry,ref=X` or a bare `X`. */
function cacheReference(spec) {
    if (!spec.includes('='))
        return spec;
    return /(?:^|,)\s*ref=([^,]+)/.exec(spec)?.[1].trim();
}
/**
 * Checks what the build will read from the runner before anything is changed: a missing
 * folder or an unset secret variable would otherwise fail after the login.
 */
function checkBuildSources(options, exists, env) {
    const remote = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i.test(options.context);
    if (!remote && !exists(options.context)) {
        throw new errors_1.ConfigurationError('context', `'${options.context}' does not exist in the workspace. Check out the code first (actions/checkout) or fix the path; it is relative to the workspace.`);
    }
    if (options.file !== undefined && options.file !== '-' && !exists(options.file)) {
        throw new errors_1.ConfigurationError('file', `'${options.file}' does not exist. The path is relative to the workspace, not to 'context'.`);
    }
    for (const secret of options.secrets) {
        if (secret.env !== undefined && env[secret.env] === undefined) {
            throw new errors_1.ConfigurationError('secrets', `'${secret.id}' reads the variable ${secret.env}, which this step's environment does not set. Add it under env: (${secret.env}: \${{ secrets.${secret.env} }}).`);
        }
        if (secret.src !== undefined && !exists(secret.src)) {
            throw new errors_1.ConfigurationError('secrets', `'${secret.id}' reads the file '${secret.src}', which does not exist.`);
        }
    }
}


/***/ }),

/***/ 6099:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.containerDriverNeed = containerDriverNeed;
exports.parseBuilderDriver = parseBuilderDriver;
exports.temporaryBuilder = temporaryBuilder;
exports.createBuilderArguments = createBuilderArguments;
exports.clientHasBuiltInBuildKit = clientHasBuiltInBuildKit;
exports.chooseBuilder = chooseBuilder;
exports.checkBuilderSupports = checkBuilderSupports;
exports.suitsAnyBuilder = suitsAnyBuilder;
exports.buildArguments = buildArguments;
exports.buildEnvironment = buildEnvironment;
const errors_1 = __nccwpck_require__(9223);
const build_options_1 = __nccwpck_require__(5987);
/**
 * What in the build the buildx `docker` driver (the default builder on a runner without
 * docker/setup-buildx-action) cannot do, for people; undefined when it can do all of it.
 */
function containerDriverNeed(options) {
    if (options.platforms.length > 1)
        return `several platforms (${options.platforms.join(', ')})`;
    const cache = options.cacheTo.find((spec) => (0, build_options_1.cacheType)(spec) !== 'inline');
    if (cache !== undefined)
        return `cache-to type=${(0, build_options_1.cacheType)(cache)}`;
    for (const input of ['provenance', 'sbom']) {
        if (options[input] !== 'false')
            return `${input} attestations`;
    }
    return undefined;
}
/** The driver in `docker buildx inspect`'s answer (`Driver: docker-container`). */
function parseBuilderDriver(output) {
    return /^Driver:\s*(\S+)/m.exec(output)?.[1];
}
/** buildx running the build on the step's temporary `docker-container` builder. */
function temporaryBuilder(name) {
    return {
        kind: 'buildx',
        buildkit: true,
        description: 'docker buildx build (temporary docker-container builder)',
        instance: name,
    };
}
/**
 * `docker buildx create`'s argv for the temporary builder: BuildKit in a container on the
 * host's network, so it reaches the registries the runner reaches (one on loopback included).
 */
function createBuilderArguments(name, buildkitImage) {
    const args = ['buildx', 'create', '--name', name, '--driver', 'docker-container'];
    args.push('--driver-opt', 'network=host');
    if (buildkitImage)
        args.push('--driver-opt', `image=${buildkitImage}`);
    return args;
}
/**
 * Docker CLIs before 23.0 carry BuildKit themselves (DOCKER_BUILDKIT=1); from 23.0 on,
 * BuildKit needs the buildx plugin and DOCKER_BUILDKIT=1 without it is an error.
 */
function clientHasBuiltInBuildKit(version) {
    const major = Number(/^(\d+)\./.exec(version ?? '')?.[1]);
    return Number.isInteger(major) && major >= 18 && major < 23;
}
function chooseBuilder(choice, facts) {
    if (choice === 'buildx' || (choice === 'auto' && facts.buildx)) {
        if (!facts.buildx) {
            throw new errors_1.ConfigurationError('builder', "is buildx, but 'docker buildx' is not available on this runner. Set it up first (docker/setup-buildx-action), let the step bring it (buildx-version: latest), or use builder: auto to fall back to docker build.");
        }
        return { kind: 'buildx', buildkit: true, description: 'docker buildx build' };
    }
    const refused = ['0', 'false'].includes((facts.buildkitEnv ?? '').trim().toLowerCase());
    const buildkit = !refused && clientHasBuiltInBuildKit(facts.clientVersion);
    return {
        kind: 'docker',
        buildkit,
        description: `docker build (${buildkit ? 'BuildKit' : 'legacy builder'})`,
    };
}
/**
 * Refuses what the chosen builder cannot do, rather than dropping it: a build that silently
 * ignores `platforms` or `cache-to` pushes something other than what the workflow says.
 */
function checkBuilderSupports(builder, options) {
    if (builder.kind === 'buildx') {
        if (!options.push && options.platforms.length > 1) {
            throw new errors_1.ConfigurationError('platforms', 'lists several platforms with push: false. A multi-platform image cannot be loaded into the local image store: push it, or build one platform.');
        }
        return;
    }
    const why = builder.buildkit
        ? 'the classic docker build'
        : "the classic docker build's legacy builder (this docker CLI has no BuildKit without buildx)";
    const needsBuildx = (input, fix) => new errors_1.ConfigurationError(input, `cannot be honoured by ${why}. ${fix}`);
    if (options.platforms.length > 1) {
        throw needsBuildx('platforms', 'Building several platforms needs buildx: set it up (docker/setup-buildx-action) and use builder: buildx, or list one platform.');
    }
    if (options.platforms.length === 1 && !builder.buildkit) {
        throw needsBuildx('platforms', 'Leave platforms out to build for the runner.');
    }
    for (const spec of options.cacheTo) {
        if (!(builder.buildkit && (0, build_options_1.cacheType)(spec) === 'inline')) {
            throw needsBuildx('cache-to', `Exporting a cache (${spec}) needs buildx; ${builder.buildkit ? 'only type=inline works here' : 'leave cache-to out'}.`);
        }
    }
    for (const spec of options.cacheFrom) {
        if ((0, build_options_1.cacheType)(spec) !== 'registry' || !(0, build_options_1.cacheReference)(spec)) {
            throw needsBuildx('cache-from', `The classic build can only use an image as cache (type=registry,ref=IMAGE or IMAGE), not '${spec}'.`);
        }
    }
    for (const input of ['provenance', 'sbom']) {
        if (options[input] !== 'false') {
            throw needsBuildx(input, `Attestations are made by buildx only: set it up (docker/setup-buildx-action) and use builder: buildx, or leave ${input} out (false).`);
        }
    }
    if (options.annotations.length > 0) {
        throw needsBuildx('annotations', 'Manifest annotations are written by buildx only: set it up and use builder: buildx, or put the values in labels.');
    }
    if (options.secrets.length > 0 && !builder.buildkit) {
        throw needsBuildx('secrets', 'Build secrets need BuildKit: set up buildx and use builder: buildx.');
    }
}
/**
 * Whether every builder the probe could choose takes the build's options: then nothing the
 * probe finds can refuse them, and the logins need not wait for it. With builder: buildx the
 * probe may find no buildx, which is a refusal.
 */
function suitsAnyBuilder(choice, options) {
    if (choice === 'buildx')
        return false;
    const candidates = [
        { kind: 'docker', buildkit: false, description: '' },
        { kind: 'docker', buildkit: true, description: '' },
        ...(choice === 'auto' ? [{ kind: 'buildx', buildkit: true, description: '' }] : []),
    ];
    return candidates.every((builder) => {
        try {
            checkBuilderSupports(builder, options);
            return true;
        }
        catch {
            return false;
        }
    });
}
/** The argv after `docker` for the build; `references` are full `<name>:<tag>` references. */
function buildArguments(builder, options, references, labels, files) {
    const args = builder.kind === 'buildx' ? ['buildx', 'build'] : ['build'];
    if (builder.instance)
        args.push('--builder', builder.instance);
    const repeat = (flag, values) => values.forEach((v) => args.push(flag, v));
    repeat('--tag', references);
    if (options.file)
        args.push('--file', options.file);
    repeat('--build-arg', options.buildArgs);
    repeat('--label', labels);
    if (options.target)
        args.push('--target', options.target);
    if (options.pull)
        args.push('--pull');
    if (options.noCache)
        args.push('--no-cache');
    if (builder.kind === 'buildx') {
        if (options.platforms.length > 0)
            args.push('--platform', options.platforms.join(','));
        repeat('--cache-from', options.cacheFrom);
        repeat('--cache-to', options.cacheTo);
        // Always given: buildx's own default attaches provenance, which registries list as an
        // unknown/unknown platform.
        args.push('--provenance', options.provenance, '--sbom', options.sbom);
        repeat('--annotation', options.annotations);
        repeat('--secret', options.secrets.map((secret) => secret.spec));
        args.push('--iidfile', files.iidFile, '--metadata-file', files.metadataFile);
        // One platform without push is loaded so the image is there for later steps (and has an id).
        if (options.push)
            args.push('--push');
        else
            args.push('--load');
    }
    else {
        if (options.platforms.length === 1)
            args.push('--platform', options.platforms[0]);
        repeat('--cache-from', options.cacheFrom.map((spec) => (0, build_options_1.cacheReference)(spec)));
        // The classic builder's only cache export: metadata inside the image itself.
        if (options.cacheTo.length > 0)
            args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1');
        repeat('--secret', options.secrets.map((secret) => secret.spec));
        args.push('--iidfile', files.iidFile);
    }
    // `--` keeps a context that starts with `-` from being read as a flag.
    args.push('--', options.context);
    return args;
}
/** Env for the build: the classic CLI picks BuildKit or the legacy builder from DOCKER_BUILDKIT. */
function buildEnvironment(builder) {
    return builder.kind === 'docker' ? { DOCKER_BUILDKIT: builder.buildkit ? '1' : '0' } : {};
}


/***/ }),

/***/ 8056:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.buildxArch = buildxArch;
exports.buildxTarget = buildxTarget;
exports.releaseFiles = releaseFiles;
exports.checksumFor = checksumFor;
exports.sha256Of = sha256Of;
exports.resolveBuildxVersion = resolveBuildxVersion;
exports.fetchBuildx = fetchBuildx;
exports.installBuildx = installBuildx;
const node_crypto_1 = __nccwpck_require__(7598);
const node_fs_1 = __nccwpck_require__(3024);
const promises_1 = __nccwpck_require__(1455);
const node_path_1 = __nccwpck_require__(6760);
const errors_1 = __nccwpck_require__(9223);
const http_1 = __nccwpck_require__(6004);
const outside_text_1 = __nccwpck_require__(6725);
// `buildx-version`: the buildx CLI plugin of a chosen release, fetched from GitHub's releases
// (or a mirror laid out like them), checked against the release's checksums.txt before it is
// ever run, kept in the runner's tool cache, and installed into the step's own docker config.
/** The tool cache's name for it; a version and an architecture tell its copies apart. */
const TOOL = 'docker-buildx';
const API_TIMEOUT_MS = 30_000;
/** buildx's name for Node's architecture (`buildx-<version>.linux-<arch>`), if it builds for it. */
function buildxArch(nodeArch) {
    const names = {
        x64: 'amd64',
        arm64: 'arm64',
        arm: 'arm-v7',
        ppc64: 'ppc64le',
        s390x: 's390x',
        riscv64: 'riscv64',
    };
    return names[nodeArch];
}
/** buildx's architecture name for this runner, or a ConfigurationError naming buildx-version. */
function buildxTarget(platform, nodeArch) {
    const arch = buildxArch(nodeArch);
    if (platform !== 'linux' || !arch) {
        throw new errors_1.ConfigurationError('buildx-version', `buildx publishes no linux build this action can install for a ${platform}/${nodeArch} runner. Install buildx on the runner yourself and leave buildx-version out.`);
    }
    return arch;
}
function releaseFiles(baseUrl, version, arch) {
    const folder = `${baseUrl}/docker/buildx/releases/download/${encodeURIComponent(version)}`;
    const asset = `buildx-${version}.linux-${arch}`;
    return { asset, assetUrl: `${folder}/${asset}`, checksumsUrl: `${folder}/checksums.txt` };
}
/** The SHA-256 checksums.txt gives for `asset` (`<sha256> *<asset>` or `<sha256>  <asset>`). */
function checksumFor(checksums, asset) {
    for (const line of checksums.split(/\r?\n/)) {
        const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
        if (match && match[2] === asset)
            return match[1].toLowerCase();
    }
    return undefined;
}
/** The SHA-256 of a file, in hex. */
async function sha256Of(file) {
    const hash = (0, node_crypto_1.createHash)('sha256');
    for await (const chunk of (0, node_fs_1.createReadStream)(file))
        hash.update(chunk);
    return hash.digest('hex');
}
/** `latest` through the releases API at GITHUB_API_URL; a release tag as it is. */
async function resolveBuildxVersion(ctx, version) {
    if (version !== 'latest')
        return version;
    const apiUrl = (ctx.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
    const url = `${apiUrl}/repos/docker/buildx/releases/latest`;
    let tag;
    try {
        const response = (0, http_1.expectSuccess)(await ctx.http({
            method: 'GET',
            url,
            headers: { accept: 'application/vnd.github+json', 'user-agent': 'docker-build-push' },
            timeoutMs: API_TIMEOUT_MS,
        }), 'The GitHub releases API');
        tag = JSON.parse(response.body).tag_name;
    }
    catch (error) {
        throw new errors_1.ActionFailure(`buildx-version: latest could not be resolved through ${url}: ${error instanceof Error ? error.message : String(error)}. Name a release instead (e.g. v0.19.3).`);
    }
    if (typeof tag !== 'string' || !/^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/.test(tag)) {
        throw new errors_1.ActionFailure(`buildx-version: the latest release's tag from ${url} is not a buildx version (${(0, outside_text_1.inertInline)(String(tag)).slice(0, 80)}). Name a release instead (e.g. v0.19.3).`);
    }
    return tag;
}
/**
 * The verified plugin for `version` (a release tag), from the tool cache or downloaded into it.
 * Nothing is cached, installed or run unless its SHA-256 is the one checksums.txt gives.
 */
async function fetchBuildx(ctx, request) {
    const { version, baseUrl, arch } = request;
    const tc = await __nccwpck_require__.e(/* import() */ 472).then(__nccwpck_require__.t.bind(__nccwpck_require__, 3472, 23));
    const cacheVersion = version.replace(/^v/, '');
    const cached = tc.find(TOOL, cacheVersion, arch);
    if (cached) {
        ctx.log.info(`buildx ${version} (linux-${arch}) from the tool cache.`);
        return (0, node_path_1.join)(cached, TOOL);
    }
    const files = releaseFiles(baseUrl, version, arch);
    const folder = await (0, promises_1.mkdtemp)((0, node_path_1.join)(request.runnerTemp, 'docker-build-push-buildx-'));
    // Both through the tool cache's client: it follows GitHub's redirects to its file storage and
    // takes the runner's proxy settings, as the runner's own downloads do.
    const download = async (url, what) => {
        const dest = (0, node_path_1.join)(folder, what);
        try {
            return await tc.downloadTool(url, dest);
        }
        catch (error) {
            const status = error instanceof tc.HTTPError ? error.httpStatusCode : undefined;
            if (status === 404) {
                throw new errors_1.ConfigurationError('buildx-version', `${version} has no ${what} at ${url} (HTTP 404)${what === 'checksums.txt' ? ', so no download of it could be verified' : ''}. Check the release (e.g. v0.19.3) and buildx-url.`);
            }
            throw new errors_1.ActionFailure(`Downloading ${what} of buildx ${version} from ${url} failed: ${error instanceof Error ? (0, outside_text_1.inertInline)(error.message) : String(error)}.`);
        }
    };
    try {
        const checksums = await (0, promises_1.readFile)(await download(files.checksumsUrl, 'checksums.txt'), 'utf8');
        const expected = checksumFor(checksums, files.asset);
        if (!expected) {
            throw new errors_1.ConfigurationError('buildx-version', `${version}'s checksums.txt lists no ${files.asset}: the release has no build for this runner. Choose another release.`);
        }
        const downloaded = await download(files.assetUrl, files.asset);
        const actual = await sha256Of(downloaded);
        if (actual !== expected) {
            throw new errors_1.ActionFailure(`buildx-version: the download of ${files.asset} from ${files.assetUrl} has SHA-256 ${actual}, but the release's checksums.txt says ${expected}. It was not installed or run. Check buildx-url (a mirror may serve another file) and try again.`);
        }
        await (0, promises_1.chmod)(downloaded, 0o755);
        const dir = await tc.cacheFile(downloaded, TOOL, TOOL, cacheVersion, arch);
        ctx.log.info(`buildx ${version} (linux-${arch}) downloaded, SHA-256 verified, cached.`);
        return (0, node_path_1.join)(dir, TOOL);
    }
    finally {
        await (0, promises_1.rm)(folder, { recursive: true, force: true });
    }
}
/** Copies the verified plugin into the step's own `cli-plugins` folder (mode 755). */
async function installBuildx(plugin, configDir) {
    const target = (0, node_path_1.join)(configDir, 'cli-plugins', 'docker-buildx');
    await (0, promises_1.copyFile)(plugin, target);
    await (0, promises_1.chmod)(target, 0o755);
}


/***/ }),

/***/ 6909:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.CommandFailure = exports.DockerCli = void 0;
exports.errorOutput = errorOutput;
exports.lastLines = lastLines;
exports.classifyDockerFailure = classifyDockerFailure;
exports.isAuthenticationFailure = isAuthenticationFailure;
exports.withRegistryRetry = withRegistryRetry;
exports.pushedDigest = pushedDigest;
exports.parseClientVersion = parseClientVersion;
const duration_1 = __nccwpck_require__(3788);
const errors_1 = __nccwpck_require__(9223);
const retry_1 = __nccwpck_require__(4280);
// A build can print megabytes: keep the end, where the error is.
const OUTPUT_LIMIT = 1024 * 1024;
/** The docker CLI with the environment every call of this step shares. */
class DockerCli {
    run;
    env;
    constructor(run, env) {
        this.run = run;
        this.env = env;
    }
    /** The same CLI with more environment, e.g. the private DOCKER_CONFIG. */
    withEnv(env) {
        return new DockerCli(this.run, { ...this.env, ...env });
    }
    exec(args, options = {}) {
        return this.run('docker', args, {
            env: { ...this.env, ...options.env },
            input: options.input,
            // Output of a build is the Dockerfile's to write: streamed, it cannot issue commands.
            stream: options.stream,
            onOutput: options.onOutput,
            keepChars: OUTPUT_LIMIT,
            timeoutMs: options.limit?.ms,
        });
    }
    /** Like exec, but a run that fails becomes a CommandFailure carrying its error output. */
    async check(what, args, options = {}) {
        const result = await this.exec(args, options);
        if (result.timedOut && options.limit) {
            throw new errors_1.ActionFailure(`${what} did not finish within ${options.limit.input} (${(0, duration_1.formatDuration)(options.limit.ms)}) and was stopped: the registry or the build stopped making progress. Raise ${options.limit.input} if it needs longer.`);
        }
        if (result.code !== 0)
            throw new CommandFailure(what, result);
        return result;
    }
}
exports.DockerCli = DockerCli;
class CommandFailure extends errors_1.ActionFailure {
    what;
    result;
    constructor(what, result) {
        super(`${what} failed (exit code ${exitStatus(result)}): ${lastLines(errorOutput(result) || result.stdout)}`);
        this.what = what;
        this.result = result;
    }
}
exports.CommandFailure = CommandFailure;
/** What a run said went wrong: why docker could not be started, or else its stderr. */
function errorOutput(result) {
    if (!result.error)
        return result.stderr;
    return result.error.code === 'ENOENT'
        ? 'docker is not installed or not on PATH'
        : result.error.message;
}
/** The status as a shell would report it: 127 when docker could not be started, 128 when killed. */
function exitStatus(result) {
    return result.error ? 127 : (result.code ?? 128);
}
/** The end of a command's output, where its error is, without progress noise. */
function lastLines(text, count = 5) {
    const lines = text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
    return lines.slice(-count).join(' | ') || '(no output)';
}
const AUTHENTICATION = /unauthorized|authentication required|incorrect username or password|no basic auth credentials|access (to the resource is )?denied|denied:|\b40[13]\b|forbidden/i;
const SERVER_ERROR = /\b5\d\d\b|internal server error|bad gateway|service unavailable|gateway time-?out|too many requests|\b429\b/i;
/** Most telling first: a refused connection also says "dial tcp". */
const NETWORK = [
    /connection refused/i,
    /connection reset( by peer)?/i,
    /tls handshake timeout/i,
    /i\/o timeout/i,
    /no such host/i,
    /network is unreachable/i,
    /broken pipe/i,
    /unexpected EOF/i,
    /context deadline exceeded/i,
    /server misbehaving|temporary failure/i,
    /\bEOF\b/,
    /dial tcp/i,
];
/**
 * Whether a failed login or push is worth another attempt. The CLI exits 1 for everything,
 * so the decision reads its message: a refused credential never gets better by retrying (and
 * retrying it can lock the account), a 5xx or a dropped connection often does.
 */
function classifyDockerFailure(error) {
    if (!(error instanceof CommandFailure))
        return { retry: false };
    // Only the end: a build's log above it may mention "503" or "EOF" in any RUN step.
    const text = failureText(error);
    if (AUTHENTICATION.test(text))
        return { retry: false };
    const server = SERVER_ERROR.exec(text);
    if (server)
        return { retry: true, reason: `the registry answered ${server[0]}` };
    for (const pattern of NETWORK) {
        const network = pattern.exec(text);
        if (network)
            return { retry: true, reason: `network error (${network[0]})` };
    }
    return { retry: false };
}
function isAuthenticationFailure(error) {
    return error instanceof CommandFailure && AUTHENTICATION.test(failureText(error));
}
function failureText(error) {
    return lastLines(errorOutput(error.result) || error.result.stdout, 5);
}
/** Runs a registry operation with `retries` more attempts on 5xx and network errors. */
async function withRegistryRetry(what, retries, operation, { clock, log }, random) {
    let attempts = 1;
    try {
        return await (0, retry_1.withRetry)(async (attempt) => {
            attempts = attempt;
            return operation();
        }, {
            attempts: retries + 1,
            backoff: { initialMs: 1_000, maxMs: 16_000 },
            clock,
            classify: classifyDockerFailure,
            random,
            onRetry: ({ attempt, delayMs, reason }) => log.warning(`${what}: attempt ${attempt} of ${retries + 1} failed (${reason}); retrying in ${(delayMs / 1000).toFixed(1)} s.`),
        });
    }
    catch (error) {
        if (error instanceof CommandFailure && attempts > 1) {
            throw new errors_1.ActionFailure(`${error.message} (gave up after ${attempts} attempts)`);
        }
        throw error;
    }
}
/** The manifest digest in `docker push`'s last line: `<tag>: digest: sha256:... size: N`. */
function pushedDigest(output) {
    const matches = [...output.matchAll(/digest: (sha256:[0-9a-f]{64})/g)];
    return matches.at(-1)?.[1];
}
/** `Docker version 20.10.24+dfsg1, build 297e128` -> `20.10.24+dfsg1`. */
function parseClientVersion(output) {
    return /version\s+v?(\d+\.\d+[^\s,]*)/i.exec(output)?.[1];
}


/***/ }),

/***/ 1485:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.buildxPluginCandidates = buildxPluginCandidates;
exports.userConfigDir = userConfigDir;
exports.withoutCredentials = withoutCredentials;
exports.readUserConfig = readUserConfig;
exports.hasUserCredentials = hasUserCredentials;
exports.loginsOutsideFile = loginsOutsideFile;
exports.readConfigFile = readConfigFile;
exports.credentialsFor = credentialsFor;
exports.createPrivateConfig = createPrivateConfig;
exports.removePrivateConfig = removePrivateConfig;
const node_fs_1 = __nccwpck_require__(3024);
const promises_1 = __nccwpck_require__(1455);
const node_os_1 = __nccwpck_require__(8161);
const node_path_1 = __nccwpck_require__(6760);
/** Keys of config.json that hold or route credentials: the private config starts without them. */
const CREDENTIAL_KEYS = ['auths', 'credsStore', 'credHelpers'];
/**
 * Folders of the user's config that carry no credential but make the CLI what it is: plugins
 * (buildx), contexts (where DOCKER_CONTEXT points) and buildx's builder instances. They are
 * linked, not copied: buildx records its state there.
 */
const LINKED_FOLDERS = ['cli-plugins', 'contexts', 'buildx'];
/** Where the docker CLI looks for system-wide plugins on Linux, after the config's own folder. */
const SYSTEM_PLUGIN_FOLDERS = [
    '/usr/local/lib/docker/cli-plugins',
    '/usr/local/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
];
/**
 * The files the docker CLI would run for `docker buildx`: in the config's `cli-plugins`, the
 * config's `cliPluginsExtraDirs`, and the system folders. None existing means no buildx.
 */
function buildxPluginCandidates(userDir, config) {
    const extra = Array.isArray(config.cliPluginsExtraDirs)
        ? config.cliPluginsExtraDirs.filter((dir) => typeof dir === 'string')
        : [];
    return [(0, node_path_1.join)(userDir, 'cli-plugins'), ...extra, ...SYSTEM_PLUGIN_FOLDERS].map((dir) => (0, node_path_1.join)(dir, 'docker-buildx'));
}
/** The docker config folder the step would use without the action. */
function userConfigDir(env) {
    return env.DOCKER_CONFIG || (0, node_path_1.join)(env.HOME || (0, node_os_1.homedir)(), '.docker');
}
/**
 * Strips credentials from a config.json, keeping everything else (current context, proxies,
 * plugin folders, output formats). A store or helper is dropped too: with one, `docker login`
 * would write the password to the runner's keychain instead of the private folder.
 */
function withoutCredentials(config) {
    const kept = {};
    for (const [key, value] of Object.entries(config)) {
        if (!CREDENTIAL_KEYS.includes(key))
            kept[key] = value;
    }
    return kept;
}
/**
 * The user's config.json, or {} when there is none or it cannot be read (an unreadable config
 * gives nothing to keep; the CLI would refuse it anyway).
 */
async function readUserConfig(userDir) {
    return (await readConfigFile(userDir)) ?? {};
}
/** The keys under which a config's `auths`/`credHelpers` may hold a registry's credentials. */
function configKeys(registry) {
    if (registry === 'docker.io') {
        return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
    }
    return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`];
}
function section(config, key) {
    const value = config[key];
    return value && typeof value === 'object' && !Array.isArray(value)
        ? value
        : {};
}
/**
 * Whether the user's config may hold credentials for a registry: an `auths` entry or a
 * credential helper for it, or a credential store (which may hold anything).
 */
function hasUserCredentials(config, registry) {
    if (typeof config.credsStore === 'string' && config.credsStore !== '')
        return true;
    const auths = section(config, 'auths');
    const helpers = section(config, 'credHelpers');
    return configKeys(registry).some((key) => key in auths || key in helpers);
}
/**
 * Of the registries the step logged in to, those whose credentials the CLI may have put outside
 * the private config.json: every one when the file names a credential store (the CLI picks one
 * by itself when it finds `docker-credential-secretservice` or `docker-credential-pass` on PATH
 * and the file holds no credentials), else those with a credential helper. Only these need
 * `docker logout`; a login the file holds in `auths` goes when the folder is removed. A file
 * that cannot be read (`undefined`) leaves every registry to log out of.
 */
function loginsOutsideFile(config, registries) {
    if (config === undefined)
        return registries;
    if (typeof config.credsStore === 'string' && config.credsStore !== '')
        return registries;
    const helpers = section(config, 'credHelpers');
    return registries.filter((registry) => configKeys(registry).some((key) => key in helpers));
}
/** A config.json as the CLI left it; undefined when it is missing or not a JSON object. */
async function readConfigFile(dir) {
    try {
        const parsed = JSON.parse(await (0, promises_1.readFile)((0, node_path_1.join)(dir, 'config.json'), 'utf8'));
        return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
            ? parsed
            : undefined;
    }
    catch {
        return undefined;
    }
}
/**
 * The user's `auths` and `credHelpers` entries for the given registries, which the private
 * config keeps: the step pushes there without a login of its own. Everything else is left out.
 */
function credentialsFor(config, registries) {
    const kept = {};
    for (const name of ['auths', 'credHelpers']) {
        const entries = section(config, name);
        for (const registry of registries) {
            for (const key of configKeys(registry)) {
                if (key in entries)
                    (kept[name] ??= {})[key] = entries[key];
            }
        }
    }
    return kept;
}
/**
 * Makes a docker config folder of this step's own under RUNNER_TEMP (mode 700), so a login
 * never lands in the runner user's ~/.docker, which parallel jobs on a self-hosted runner share.
 * The user's credentials for `keepFor` (registries the step pushes to without a login) stay.
 */
async function createPrivateConfig(runnerTemp, userDir, config, keepFor = [], options = {}) {
    const dir = await (0, promises_1.mkdtemp)((0, node_path_1.join)(runnerTemp, 'docker-build-push-config-'));
    await (0, promises_1.chmod)(dir, 0o700);
    const dropped = options.keepCredentials ? [] : CREDENTIAL_KEYS.filter((key) => key in config);
    const written = options.keepCredentials
        ? config
        : { ...withoutCredentials(config), ...credentialsFor(config, keepFor) };
    await (0, promises_1.writeFile)((0, node_path_1.join)(dir, 'config.json'), `${JSON.stringify(written, null, 2)}\n`, {
        mode: 0o600,
    });
    const own = options.ownFolders ?? [];
    for (const folder of LINKED_FOLDERS) {
        const target = (0, node_path_1.join)(userDir, folder);
        if (own.includes(folder)) {
            await (0, promises_1.mkdir)((0, node_path_1.join)(dir, folder), { mode: 0o700 });
            // The user's other plugins (compose, ...) stay usable; buildx is the step's own.
            if (folder === 'cli-plugins' && (0, node_fs_1.existsSync)(target)) {
                for (const entry of await (0, promises_1.readdir)(target)) {
                    if (entry !== 'docker-buildx')
                        await (0, promises_1.symlink)((0, node_path_1.join)(target, entry), (0, node_path_1.join)(dir, folder, entry));
                }
            }
        }
        else if ((0, node_fs_1.existsSync)(target)) {
            await (0, promises_1.symlink)(target, (0, node_path_1.join)(dir, folder));
        }
    }
    return { dir, dropped };
}
/** Removes the private folder; the links inside go, what they point at stays. */
async function removePrivateConfig(dir) {
    await (0, promises_1.rm)(dir, { recursive: true, force: true });
}


/***/ }),

/***/ 9589:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseImageName = parseImageName;
exports.normaliseRegistry = normaliseRegistry;
exports.loginServerOf = loginServerOf;
exports.registryLabel = registryLabel;
exports.parseImageNames = parseImageNames;
exports.checkRegistry = checkRegistry;
const errors_1 = __nccwpck_require__(9223);
const image_reference_1 = __nccwpck_require__(859);
const DOCKER_HUB = 'docker.io';
/** Names Docker Hub answers to; `docker login` wants none of them, it logs in to Hub by default. */
const DOCKER_HUB_ALIASES = new Set([
    'docker.io',
    'index.docker.io',
    'registry-1.docker.io',
    'registry.hub.docker.com',
]);
/**
 * Reads the `image` input: a repository without tag or digest, on Docker Hub when no
 * registry host leads it. Registries refuse upper-case repository names, so the name is
 * lower-cased rather than failing at push time.
 */
function parseImageName(raw) {
    const text = raw.trim();
    if (text === '') {
        throw new errors_1.ConfigurationError('image', 'is required. Name the repository to push to: user/app, ghcr.io/org/app or 127.0.0.1:5000/team/app.');
    }
    const lowered = text.toLowerCase();
    const reference = (0, image_reference_1.parseImageReference)(lowered);
    if (!reference) {
        throw new errors_1.ConfigurationError('image', `'${text}' is not a valid image name. Use lower-case letters, digits and . _ - separated by /, after an optional registry host: user/app, ghcr.io/org/app, 127.0.0.1:5000/team/app.`);
    }
    if (reference.tag !== undefined || reference.digest !== undefined) {
        const part = reference.digest !== undefined ? `digest @${reference.digest}` : `tag :${reference.tag}`;
        throw new errors_1.ConfigurationError('image', `'${text}' carries a ${part}. Give the repository only and list tags in 'tags' (e.g. tags: ${reference.tag ?? 'latest'}).`);
    }
    const hub = reference.registry === undefined || DOCKER_HUB_ALIASES.has(reference.registry);
    const registry = hub ? DOCKER_HUB : reference.registry;
    // Docker Hub's official images live under library/; `docker push app` means library/app.
    const repository = hub && !reference.repository.includes('/')
        ? `library/${reference.repository}`
        : reference.repository;
    return {
        registry,
        repository,
        fullName: `${registry}/${repository}`,
        loginServer: hub ? undefined : registry,
        lowerCased: lowered !== text,
        written: text,
    };
}
/** A registry as a user writes it (`https://ghcr.io/`, `index.docker.io`), as images name it. */
function normaliseRegistry(raw) {
    const text = raw
        .trim()
        .replace(/^https?:\/\//i, '')
        .replace(/\/+$/, '')
        .replace(/\/v[12]$/, '')
        .toLowerCase();
    return DOCKER_HUB_ALIASES.has(text) ? DOCKER_HUB : text;
}
/** What `docker login`/`logout` take for a registry: nothing for Docker Hub. */
function loginServerOf(registry) {
    return registry === DOCKER_HUB ? undefined : registry;
}
/** For people: `Docker Hub` or the host. */
function registryLabel(registry) {
    return registry === DOCKER_HUB ? 'Docker Hub' : registry;
}
/**
 * Reads the `image` input: one repository a line, each pushed with every tag. The same
 * repository twice (after lower-casing) is refused: it would be pushed twice.
 */
function parseImageNames(raw) {
    const lines = raw
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
    const images = (lines.length > 0 ? lines : ['']).map(parseImageName);
    const seen = new Set();
    for (const image of images) {
        if (seen.has(image.fullName)) {
            throw new errors_1.ConfigurationError('image', `names ${image.fullName} twice ('${image.written}'). List each repository once.`);
        }
        seen.add(image.fullName);
    }
    return images;
}
/**
 * The `registry` input, when given, must name the registry of one of the images; it is where
 * `username`/`password` log in. Returns that registry, or the first image's when empty.
 */
function checkRegistry(raw, images) {
    if (raw.trim() === '')
        return images[0].registry;
    const given = normaliseRegistry(raw);
    if (!images.some((image) => image.registry === given)) {
        const image = images[0];
        throw new errors_1.ConfigurationError('registry', `'${raw.trim()}' is not the registry of image '${image.fullName}' (${image.registry}). Put the registry in the image name instead (image: ${given}/${image.repository}) and leave 'registry' out.`);
    }
    return given;
}


/***/ }),

/***/ 951:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.getInputs = getInputs;
const errors_1 = __nccwpck_require__(9223);
const input_values_1 = __nccwpck_require__(9153);
const mask_1 = __nccwpck_require__(7624);
const build_options_1 = __nccwpck_require__(5987);
const image_name_1 = __nccwpck_require__(9589);
const registry_auth_1 = __nccwpck_require__(8484);
const tags_1 = __nccwpck_require__(7879);
const BUILDERS = ['auto', 'buildx', 'docker'];
/** Reads and checks every input. The passwords are masked before anything can print them. */
function getInputs(runner) {
    const mask = (value) => runner.setSecret(value);
    const password = runner.getInput('password');
    (0, mask_1.maskSecret)(password, mask);
    const registryAuth = runner.getInput('registry-auth');
    for (const found of (0, registry_auth_1.passwordsIn)(registryAuth))
        (0, mask_1.maskSecret)(found, mask);
    const username = runner.getInput('username');
    const images = (0, image_name_1.parseImageNames)(runner.getInput('image'));
    const loginRegistry = (0, image_name_1.checkRegistry)(runner.getInput('registry'), images);
    const logins = (0, registry_auth_1.parseRegistryAuth)(registryAuth);
    if (username !== '' && password === '') {
        throw new errors_1.ConfigurationError('password', "is required with 'username'. Pass it as a secret: password: ${{ secrets.REGISTRY_TOKEN }}");
    }
    if (password !== '' && username === '') {
        throw new errors_1.ConfigurationError('username', "is required with 'password': name the account the password belongs to.");
    }
    if (username !== '') {
        if (logins.some((login) => login.registry === loginRegistry)) {
            throw new errors_1.ConfigurationError('registry-auth', `has a login for ${(0, image_name_1.registryLabel)(loginRegistry)}, which 'username' and 'password' log in to as well. Give it one login: move it into registry-auth, or leave it out there.`);
        }
        logins.push({ registry: loginRegistry, username, password, shortForm: true });
    }
    // Commas cannot occur in a tag, so a comma-separated list is read as well as one a line.
    const tagTemplates = (0, input_values_1.parseList)(runner.getInput('tags'));
    (0, tags_1.checkTemplates)(tagTemplates);
    const builder = runner.getInput('builder').toLowerCase();
    if (!BUILDERS.includes(builder)) {
        throw new errors_1.ConfigurationError('builder', `'${runner.getInput('builder')}' is not a builder. Use auto, buildx or docker.`);
    }
    const buildkitImage = runner.getInput('buildkit-image').trim() || undefined;
    // It becomes one value of a comma-separated --driver-opt: nothing that could start another.
    if (buildkitImage !== undefined && !/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(buildkitImage)) {
        throw new errors_1.ConfigurationError('buildkit-image', `'${buildkitImage}' is not an image reference. Name a BuildKit image, e.g. moby/buildkit:buildx-stable-1 or mirror.example.com/moby/buildkit:v0.18.2.`);
    }
    const buildxVersion = parseBuildxVersion(runner.getInput('buildx-version'));
    const buildxUrl = parseBuildxUrl(runner.getInput('buildx-url'));
    const context = runner.getInput('context') || '.';
    const file = runner.getInput('file') || undefined;
    return {
        images,
        logins,
        logout: (0, input_values_1.parseBoolean)('logout', runner.getInput('logout')),
        tagTemplates,
        build: {
            context,
            file,
            buildArgs: (0, build_options_1.parseKeyValues)('build-args', runner.getInput('build-args'), build_options_1.BUILD_ARG_KEY),
            labels: (0, build_options_1.parseKeyValues)('labels', runner.getInput('labels'), build_options_1.LABEL_KEY),
            target: runner.getInput('target') || undefined,
            platforms: (0, input_values_1.parseList)(runner.getInput('platforms')),
            cacheFrom: (0, input_values_1.parseLines)(runner.getInput('cache-from')),
            cacheTo: (0, input_values_1.parseLines)(runner.getInput('cache-to')),
            secrets: (0, build_options_1.parseSecrets)(runner.getInput('secrets')),
            pull: (0, input_values_1.parseBoolean)('pull', runner.getInput('pull')),
            noCache: (0, input_values_1.parseBoolean)('no-cache', runner.getInput('no-cache')),
            push: (0, input_values_1.parseBoolean)('push', runner.getInput('push')),
            provenance: (0, build_options_1.parseAttestation)('provenance', runner.getInput('provenance')),
            sbom: (0, build_options_1.parseAttestation)('sbom', runner.getInput('sbom')),
            annotations: (0, build_options_1.parseAnnotations)(runner.getInput('annotations')),
        },
        builder,
        buildkitImage,
        buildxVersion,
        buildxUrl,
        retries: (0, input_values_1.parseInteger)('retries', runner.getInput('retries'), 0, 10),
        buildTimeoutMs: (0, input_values_1.parsePositiveDuration)('build-timeout', runner.getInput('build-timeout')),
        pushTimeoutMs: (0, input_values_1.parsePositiveDuration)('push-timeout', runner.getInput('push-timeout')),
    };
}
/** `v0.19.3`, `0.19.3` (read as v0.19.3), a pre-release such as `v0.20.0-rc1`, or `latest`. */
function parseBuildxVersion(raw) {
    const text = raw.trim();
    if (text === '')
        return undefined;
    if (text.toLowerCase() === 'latest')
        return 'latest';
    if (!/^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/.test(text)) {
        throw new errors_1.ConfigurationError('buildx-version', `'${text}' is not a buildx release. Write a release tag such as v0.19.3, or latest.`);
    }
    return text.startsWith('v') ? text : `v${text}`;
}
function parseBuildxUrl(raw) {
    const text = raw.trim() || 'https://github.com';
    let url;
    try {
        url = new URL(text);
    }
    catch {
        url = undefined;
    }
    if (!url ||
        !['http:', 'https:'].includes(url.protocol) ||
        url.search ||
        url.hash ||
        url.username ||
        url.password) {
        throw new errors_1.ConfigurationError('buildx-url', `'${text}' is not a base URL. Give the server under which docker/buildx/releases/download/<version>/ is found, e.g. https://github.com or https://ghes.example.com, without credentials.`);
    }
    return text.replace(/\/+$/, '');
}


/***/ }),

/***/ 5459:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.run = run;
exports.main = main;
const node_crypto_1 = __nccwpck_require__(7598);
const node_fs_1 = __nccwpck_require__(3024);
const promises_1 = __nccwpck_require__(1455);
const node_os_1 = __nccwpck_require__(8161);
const node_path_1 = __nccwpck_require__(6760);
const errors_1 = __nccwpck_require__(9223);
const step_1 = __nccwpck_require__(6254);
const summary_1 = __nccwpck_require__(6834);
const build_options_1 = __nccwpck_require__(5987);
const buildx_install_1 = __nccwpck_require__(8056);
const builder_1 = __nccwpck_require__(6099);
const docker_cli_1 = __nccwpck_require__(6909);
const docker_config_1 = __nccwpck_require__(1485);
const image_name_1 = __nccwpck_require__(9589);
const inputs_1 = __nccwpck_require__(951);
const prefixed_output_1 = __nccwpck_require__(9841);
const report_1 = __nccwpck_require__(8828);
const state_1 = __nccwpck_require__(4413);
const tags_1 = __nccwpck_require__(7879);
async function run() {
    await (0, step_1.runMainStep)(main);
}
async function main(ctx) {
    const { runner, log, clock, env } = ctx;
    const inputs = (0, inputs_1.getInputs)(runner);
    const now = new Date(clock.now());
    const { images, build } = inputs;
    const image = images[0];
    // Everything that can be refused is checked before the first change: the login.
    const tagContext = (0, tags_1.tagContextFromEvent)(env, ctx.event, now);
    const computed = (0, tags_1.computeTags)(inputs.tagTemplates, tagContext);
    for (const each of images.filter((name) => name.lowerCased)) {
        log.notice(`Image '${each.written}' lower-cased to ${each.fullName}: registries refuse upper-case repository names.`);
    }
    for (const skip of computed.skipped) {
        log.notice(`Tag template '${skip.template}' skipped: ${skip.reason}.`);
    }
    for (const change of computed.sanitised) {
        log.notice(`Tag '${change.from}' (from '${change.template}') written as '${change.to}'.`);
    }
    if (build.push && computed.tags.length === 0) {
        throw new errors_1.ConfigurationError('tags', `leaves no tag to push in this ${tagContext.eventName} event. Add a template that has a value in every event, e.g. sha-{{short_sha}}.`);
    }
    const imageReports = images.map((each) => ({
        name: each.fullName,
        key: each.written.toLowerCase(),
        references: computed.tags.map((tag) => `${each.fullName}:${tag}`),
    }));
    const references = imageReports.flatMap((each) => each.references);
    (0, build_options_1.checkBuildSources)(build, node_fs_1.existsSync, env);
    let docker = new docker_cli_1.DockerCli(ctx.exec, env);
    // buildx-version: the step brings its own buildx, so whether there is one is known.
    const bringsBuildx = inputs.buildxVersion !== undefined && inputs.builder !== 'docker';
    const probing = probeClient(docker, inputs.builder, env, bringsBuildx);
    // The logins run alongside the probe when nothing it finds can refuse the build (no side
    // effect before a configuration error) and the private config needs no buildx of the step's
    // own or temporary builder; otherwise they wait for it.
    const early = inputs.logins.length > 0 &&
        !bringsBuildx &&
        !(0, builder_1.containerDriverNeed)(build) &&
        (0, builder_1.suitsAnyBuilder)(inputs.builder, build)
        ? logInAll(ctx, docker, inputs)
        : undefined;
    // Its failure is told after the probe's and the configuration's, which come first.
    early?.catch(() => undefined);
    let builder;
    try {
        builder = (0, builder_1.chooseBuilder)(inputs.builder, await probing);
        (0, builder_1.checkBuilderSupports)(builder, build);
    }
    catch (error) {
        await early?.catch(() => undefined);
        throw error;
    }
    const plugin = bringsBuildx ? await obtainBuildx(ctx, inputs) : undefined;
    if (inputs.builder === 'auto' && builder.kind === 'buildx') {
        builder = (await builderFor(ctx, docker, build, bringsBuildx)) ?? builder;
    }
    if (inputs.buildkitImage && !builder.instance) {
        log.debug(`buildkit-image is not used: this build needs no temporary builder.`);
    }
    const semver = (0, tags_1.parseSemver)(tagContext.gitTag);
    const labels = (0, report_1.mergeLabels)((0, report_1.ociLabels)({
        serverUrl: env.GITHUB_SERVER_URL,
        repository: env.GITHUB_REPOSITORY,
        sha: env.GITHUB_SHA,
        version: semver?.version ?? computed.tags[0],
    }, now), build.labels);
    const report = {
        image: image.fullName,
        images: imageReports,
        references,
        builder: builder.description,
        pushed: false,
        platforms: build.platforms,
        labels,
    };
    const workDir = await (0, promises_1.mkdtemp)((0, node_path_1.join)(env.RUNNER_TEMP || (0, node_os_1.tmpdir)(), 'docker-build-push-'));
    try {
        docker = await (early ?? logInAll(ctx, docker, inputs, { builder: builder.instance, plugin }));
        if (builder.instance) {
            await createTemporaryBuilder(docker, builder.instance, inputs.buildkitImage);
        }
        const files = { iidFile: (0, node_path_1.join)(workDir, 'iid'), metadataFile: (0, node_path_1.join)(workDir, 'metadata.json') };
        const args = (0, builder_1.buildArguments)(builder, build, references, Object.entries(labels).map(([key, value]) => `${key}=${value}`), files);
        const buildStarted = clock.now();
        await log.group(`Building ${images.map((each) => each.fullName).join(', ')} with ${builder.description}`, () => runBuild(docker, builder, args, inputs, ctx));
        report.buildMs = clock.now() - buildStarted;
        report.imageId = (await (0, promises_1.readFile)(files.iidFile, 'utf8').catch(() => '')).trim() || undefined;
        // The local image's size (buildx with push leaves no local image), asked while the pushes
        // run rather than after them, once they have started: the pushes are what the step waits on.
        const imageId = report.imageId;
        const askSize = () => imageId && !(build.push && builder.kind === 'buildx')
            ? localImageSize(docker, imageId).catch(() => undefined)
            : undefined;
        let sizing;
        if (build.push && builder.kind === 'buildx') {
            // buildx pushed while building: its metadata file holds the digest the registry took.
            // One --push sends the same manifest to every registry.
            report.pushed = true;
            const digest = await readBuildxDigest(files.metadataFile);
            for (const each of imageReports)
                each.digest = digest;
        }
        else if (build.push) {
            const pushStarted = clock.now();
            report.pushed = true;
            const pushing = pushAll(docker, imageReports, inputs, ctx);
            sizing = askSize();
            await pushing;
            report.pushMs = clock.now() - pushStarted;
        }
        else {
            sizing = askSize();
        }
        report.digest = imageReports[0].digest;
        const undetermined = imageReports.find((each) => !each.digest);
        if (report.pushed && undetermined) {
            throw new errors_1.ActionFailure(`${undetermined.name} was pushed, but no digest could be established from ${builder.kind === 'buildx' ? "buildx's metadata file" : "the registry's answers"}; image-ref would not name the pushed image.`);
        }
        report.sizeBytes = await sizing;
        log.info(report.digest
            ? `Pushed ${imageRefsText(imageReports)} as ${computed.tags.join(', ')}.`
            : `Built ${report.imageId ?? image.fullName}${references.length > 0 ? ` as ${computed.tags.join(', ')}` : ''} (not pushed).`);
    }
    finally {
        await (0, promises_1.rm)(workDir, { recursive: true, force: true });
        for (const [name, value] of Object.entries((0, report_1.outputs)(report)))
            runner.setOutput(name, value);
        if (env.GITHUB_STEP_SUMMARY)
            await writeSummary(ctx.summary, report);
    }
}
/**
 * What the runner's docker CLI can do, in as few process starts as the answer needs (each is
 * tens of milliseconds): one in the usual cases. A buildx that runs says the CLI runs too, and
 * the client's version only matters to the classic builder. Where no buildx plugin file
 * exists, `docker buildx version` would only fail: it is not asked, unless the workflow says
 * buildx is there (builder: buildx) or the CLI needs buildx for BuildKit (23.0 on), where the
 * plugin may sit in a folder of its own.
 */
async function probeClient(docker, choice, env, bringsBuildx) {
    const buildkitEnv = env.DOCKER_BUILDKIT;
    const askBuildx = async () => (await docker.exec(['buildx', 'version'])).code === 0;
    let pluginFound = false;
    if (choice !== 'docker' && !bringsBuildx) {
        const userDir = (0, docker_config_1.userConfigDir)(env);
        const candidates = (0, docker_config_1.buildxPluginCandidates)(userDir, await (0, docker_config_1.readUserConfig)(userDir));
        pluginFound = candidates.some((file) => (0, node_fs_1.existsSync)(file));
        if (pluginFound && (await askBuildx()))
            return { buildx: true, buildkitEnv };
    }
    const version = await docker.exec(['--version']);
    if (version.code !== 0) {
        throw new errors_1.ActionFailure(`The docker CLI does not run on this runner: ${(0, docker_cli_1.lastLines)((0, docker_cli_1.errorOutput)(version))}. Install Docker, or run on a runner that has it.`);
    }
    const clientVersion = (0, docker_cli_1.parseClientVersion)(version.stdout);
    const buildx = bringsBuildx ||
        (choice !== 'docker' &&
            !pluginFound &&
            (choice === 'buildx' || !(0, builder_1.clientHasBuiltInBuildKit)(clientVersion)) &&
            (await askBuildx()));
    return { clientVersion, buildx, buildkitEnv };
}
/**
 * With builder: auto, the temporary docker-container builder when the build asks for what the
 * current builder's `docker` driver cannot do; undefined when the current builder will do.
 * A builder the workflow set up (docker/setup-buildx-action) is used as it is.
 */
async function builderFor({ log }, docker, build, bringsBuildx) {
    const need = (0, builder_1.containerDriverNeed)(build);
    if (!need)
        return undefined;
    // A buildx the step brings has only its default builder, with the docker driver.
    let driver = 'docker';
    if (!bringsBuildx) {
        const inspected = await docker.exec(['buildx', 'inspect']);
        driver = (inspected.code === 0 && (0, builder_1.parseBuilderDriver)(inspected.stdout)) || '';
    }
    if (driver !== '' && driver !== 'docker')
        return undefined;
    const name = `${state_1.TEMPORARY_BUILDER_PREFIX}${(0, node_crypto_1.randomBytes)(6).toString('hex')}`;
    log.info(`${need} needs a buildx builder other than the docker driver${driver ? '' : ' (the current builder could not be inspected)'}: building on a temporary docker-container builder, ${name}, which the post step removes.`);
    return (0, builder_1.temporaryBuilder)(name);
}
/** The verified buildx of `buildx-version`, from the tool cache or downloaded into it. */
async function obtainBuildx(ctx, inputs) {
    const arch = (0, buildx_install_1.buildxTarget)(process.platform, process.arch);
    if (!ctx.env.RUNNER_TOOL_CACHE || !ctx.env.RUNNER_TEMP) {
        throw new errors_1.ActionFailure('buildx-version needs RUNNER_TOOL_CACHE and RUNNER_TEMP, which the runner sets: this must run as a step of a GitHub Actions job.');
    }
    const version = await (0, buildx_install_1.resolveBuildxVersion)(ctx, inputs.buildxVersion);
    return (0, buildx_install_1.fetchBuildx)(ctx, {
        version,
        baseUrl: inputs.buildxUrl,
        arch,
        runnerTemp: ctx.env.RUNNER_TEMP,
    });
}
async function createTemporaryBuilder(docker, name, buildkitImage) {
    const result = await docker.exec((0, builder_1.createBuilderArguments)(name, buildkitImage));
    if (result.code !== 0) {
        throw new errors_1.ActionFailure(`Creating the temporary docker-container builder ${name} failed: ${(0, docker_cli_1.lastLines)((0, docker_cli_1.errorOutput)(result))}. Set up a builder first (docker/setup-buildx-action), or name a BuildKit image this runner can pull in buildkit-image.`);
    }
}
/**
 * Logs in to every registry of `registry-auth` (and `username`), with the password on stdin,
 * into a docker config folder of the step's own, all before the build: a refused login stops
 * the step before anything is pushed anywhere. The post step removes the folder; with
 * logout: false later steps get it through DOCKER_CONFIG. A temporary builder (`builder`) and
 * a buildx the step brings (`plugin`) need the folder too, logins or not: the builder is
 * recorded there and the plugin installed there, never in the user's config.
 */
async function logInAll(ctx, docker, inputs, { builder, plugin } = {}) {
    const { runner, log, env } = ctx;
    const userDir = (0, docker_config_1.userConfigDir)(env);
    const pushing = inputs.build.push;
    const loggedIn = new Set(inputs.logins.map((login) => login.registry));
    const without = [...new Set(inputs.images.map((each) => each.registry))].filter((registry) => !loggedIn.has(registry));
    const userConfig = pushing && without.length > 0 ? await (0, docker_config_1.readUserConfig)(userDir) : {};
    if (pushing) {
        for (const registry of without.filter((each) => !(0, docker_config_1.hasUserCredentials)(userConfig, each))) {
            log.notice(`No login for ${(0, image_name_1.registryLabel)(registry)}, and the docker config has no credentials for it: the push goes there anonymously. Add it to registry-auth if the registry wants a login.`);
        }
    }
    const loggingIn = inputs.logins.length > 0;
    if (!loggingIn && !builder && !plugin)
        return docker;
    const runnerTemp = env.RUNNER_TEMP;
    if (!runnerTemp) {
        throw new errors_1.ActionFailure('RUNNER_TEMP is not set: this must run as a step of a GitHub Actions job.');
    }
    const config = Object.keys(userConfig).length > 0 ? userConfig : await (0, docker_config_1.readUserConfig)(userDir);
    const { dir, dropped } = await (0, docker_config_1.createPrivateConfig)(runnerTemp, userDir, config, without, {
        keepCredentials: !loggingIn,
        ownFolders: [...(builder ? ['buildx'] : []), ...(plugin ? ['cli-plugins'] : [])],
    });
    (0, state_1.savePostState)(runner, {
        configDir: dir,
        loginRegistries: inputs.logins.map((login) => login.registry),
        logout: inputs.logout,
        builder,
    });
    if (dropped.length > 0) {
        log.debug(`The private docker config leaves out ${dropped.join(', ')} of the user's config.`);
    }
    if (plugin)
        await (0, buildx_install_1.installBuildx)(plugin, dir);
    const private_ = docker.withEnv({ DOCKER_CONFIG: dir });
    if (!loggingIn)
        return private_;
    for (const login of inputs.logins)
        await logIn(ctx, private_, inputs, login);
    log.info(`Logged in to ${inputs.logins.map((login) => `${(0, image_name_1.registryLabel)(login.registry)} as ${login.username}`).join(', ')} (config in ${dir}).`);
    if (!inputs.logout)
        runner.exportVariable('DOCKER_CONFIG', dir);
    return private_;
}
async function logIn(ctx, docker, inputs, login) {
    const server = (0, image_name_1.loginServerOf)(login.registry);
    const where = (0, image_name_1.registryLabel)(login.registry);
    const args = ['login', '--username', login.username, '--password-stdin'];
    if (server)
        args.push(server);
    try {
        await (0, docker_cli_1.withRegistryRetry)(`Login to ${where}`, inputs.retries, () => docker.check(`docker login to ${where}`, args, {
            input: login.password,
            limit: { ms: inputs.pushTimeoutMs, input: 'push-timeout' },
        }), ctx);
    }
    catch (error) {
        if ((0, docker_cli_1.isAuthenticationFailure)(error)) {
            const repositories = inputs.images
                .filter((each) => each.registry === login.registry)
                .map((each) => each.repository);
            throw new errors_1.ActionFailure(`${where} refused the login of '${login.username}': ${(0, docker_cli_1.lastLines)(error.result.stderr)}. Check ${login.shortForm ? "'username' and 'password'" : `its entry in 'registry-auth'`}${repositories.length > 0 ? ` (a token needs push access to ${repositories.join(', ')})` : ''}. Nothing was pushed.`);
        }
        throw error;
    }
}
async function runBuild(docker, builder, args, inputs, ctx) {
    const command = () => docker.check(builder.description, args, {
        stream: true,
        env: (0, builder_1.buildEnvironment)(builder),
        limit: { ms: inputs.buildTimeoutMs, input: 'build-timeout' },
    });
    // buildx pushes as it builds, so its push failures are retried by building again (from cache).
    if (builder.kind === 'buildx' && inputs.build.push) {
        await (0, docker_cli_1.withRegistryRetry)('Build and push', inputs.retries, command, ctx);
    }
    else {
        await command();
    }
}
/**
 * Pushes every tag of every repository and records the digest each registry answered. The
 * repositories are pushed at once, each its tags one after another (after the first, a tag
 * costs the registry a manifest only); their lines come prefixed with the repository. Tags of
 * one repository share one manifest, so its registry must answer one digest; registries may
 * differ (one rewriting manifests) and are reported each. A failure waits for the other pushes,
 * so that what it says was already pushed is all there is.
 */
async function pushAll(docker, images, inputs, ctx) {
    const done = [];
    /** Per repository, the reference being pushed: none once its pushes are done. */
    const pushing = [];
    const several = images.length > 1;
    if (several) {
        ctx.log.info(`Pushing to ${images.map((image) => image.name).join(', ')} at once; each line starts with its repository.`);
    }
    const results = await Promise.allSettled(images.map(async (image, index) => {
        const output = several
            ? new prefixed_output_1.PrefixedOutput(image.name, (line) => ctx.log.info(line))
            : undefined;
        const digests = new Map();
        for (const reference of image.references) {
            const push = () => (0, docker_cli_1.withRegistryRetry)(`Push of ${reference}`, inputs.retries, () => docker.check(`docker push ${reference}`, ['push', reference], {
                stream: !output,
                onOutput: output && ((chunk, from) => output.add(chunk, from)),
                limit: { ms: inputs.pushTimeoutMs, input: 'push-timeout' },
            }), ctx).finally(() => output?.end());
            pushing[index] = reference;
            const result = output ? await push() : await ctx.log.group(`Pushing ${reference}`, push);
            digests.set(reference, (0, docker_cli_1.pushedDigest)(result.stdout));
            done.push(reference);
        }
        pushing[index] = undefined;
        const distinct = new Set(digests.values());
        if (distinct.size > 1) {
            const list = [...digests].map(([reference, digest]) => `${reference} -> ${digest ?? '?'}`);
            throw new errors_1.ActionFailure(`${(0, image_name_1.registryLabel)(inputs.images[index].registry)} answered different digests for tags of one image: ${list.join('; ')}. Another push may have raced this one.`);
        }
        image.digest = [...distinct][0];
    }));
    const failures = results.flatMap((result, index) => result.status === 'rejected'
        ? [pushFailure(result.reason, inputs.images[index], pushing[index], done)]
        : []);
    // Every failure is told; the step fails with the first.
    for (const failure of failures.slice(1))
        ctx.log.error(failure.message);
    if (failures.length > 0)
        throw failures[0];
}
/**
 * What a failed push of one repository tells the user, with what was pushed where; an error
 * after its pushes (`reference` undefined: tags answered different digests) as it is.
 */
function pushFailure(error, image, reference, done) {
    if (reference !== undefined) {
        const where = (0, image_name_1.registryLabel)(image.registry);
        const already = `Already pushed: ${done.length > 0 ? done.join(', ') : 'nothing'}.`;
        if ((0, docker_cli_1.isAuthenticationFailure)(error)) {
            return new errors_1.ActionFailure(`${where} refused the push of ${reference}: ${(0, docker_cli_1.lastLines)(error.result.stderr)}. Log in with an account that may push there (registry-auth, or 'username' and 'password'). ${already}`);
        }
        if (error instanceof errors_1.ActionFailure) {
            return new errors_1.ActionFailure(`${error.message}. The push to ${where} failed. ${already}`);
        }
    }
    return error instanceof Error ? error : new Error(String(error));
}
function imageRefsText(images) {
    return images.map((each) => `${each.name}@${each.digest ?? '?'}`).join(', ');
}
async function readBuildxDigest(metadataFile) {
    try {
        const metadata = JSON.parse(await (0, promises_1.readFile)(metadataFile, 'utf8'));
        const digest = metadata['containerimage.digest'];
        return typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
    }
    catch {
        return undefined;
    }
}
async function localImageSize(docker, imageId) {
    const result = await docker.exec(['image', 'inspect', '--format', '{{.Size}}', imageId]);
    const size = Number(result.stdout.trim());
    return result.code === 0 && Number.isFinite(size) ? size : undefined;
}
async function writeSummary(summary, report) {
    // The rows are markup already: validated names, tags and digests, the tags joined by <br>.
    const rows = (0, report_1.summaryRows)(report).map((row) => row.map((html) => ({ html })));
    await summary.addHeading('Docker image', 3).addTable((0, summary_1.tableRows)(rows)).write();
}


/***/ }),

/***/ 9841:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.PrefixedOutput = void 0;
/**
 * The live output of one of several pushes that run at once. Log groups and stop-commands
 * sections cannot interleave, so each line is printed on its own, prefixed with the repository
 * it goes to: cut at `\r` too, no line then starts with `::`, and the log makes the rest inert.
 */
class PrefixedOutput {
    label;
    write;
    maxLine;
    pending = { stdout: '', stderr: '' };
    constructor(label, write, 
    /** A line longer than this is printed in pieces: the CLI's output is outside text. */
    maxLine = 16_384) {
        this.label = label;
        this.write = write;
        this.maxLine = maxLine;
    }
    add(chunk, from) {
        let text = this.pending[from] + chunk;
        let newline = text.indexOf('\n');
        let start = 0;
        while (newline >= 0) {
            this.print(text.slice(start, newline));
            start = newline + 1;
            newline = text.indexOf('\n', start);
        }
        text = text.slice(start);
        while (text.length > this.maxLine) {
            this.print(text.slice(0, this.maxLine));
            text = text.slice(this.maxLine);
        }
        this.pending[from] = text;
    }
    /** Prints what is left of each stream: a last line without a newline. */
    end() {
        for (const from of ['stdout', 'stderr']) {
            if (this.pending[from] !== '')
                this.print(this.pending[from]);
            this.pending[from] = '';
        }
    }
    /** `\r` ends a line for the runner as `\n` does: each piece gets the prefix. */
    print(line) {
        const pieces = line.split('\r');
        if (pieces.length > 1 && pieces.at(-1) === '')
            pieces.pop();
        for (const piece of pieces)
            this.write(`${this.label} | ${piece}`);
    }
}
exports.PrefixedOutput = PrefixedOutput;


/***/ }),

/***/ 8484:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.passwordsIn = passwordsIn;
exports.parseRegistryAuth = parseRegistryAuth;
const errors_1 = __nccwpck_require__(9223);
const image_name_1 = __nccwpck_require__(9589);
const KEYS = ['registry', 'username', 'password'];
const EXAMPLE = 'Write a YAML list, e.g.\n- registry: ghcr.io\n  username: ${{ github.actor }}\n  password: ${{ secrets.GITHUB_TOKEN }}';
/**
 * Every password in the text, found leniently (also in text that will be refused below), so
 * each is masked before any error could quote the input.
 */
function passwordsIn(raw) {
    const found = [];
    for (const line of raw.split(/\r?\n/)) {
        const match = /^\s*(?:-\s+)?password\s*:(.*)$/.exec(line);
        if (!match)
            continue;
        const value = match[1].trim();
        if (value === '')
            continue;
        found.push(value);
        const unquoted = scalar(value);
        if (unquoted !== undefined && unquoted !== value)
            found.push(unquoted);
    }
    return found;
}
/** A plain, single- or double-quoted YAML scalar's value; undefined when it is not one. */
function scalar(text) {
    const value = text.trim();
    if (value.startsWith("'")) {
        if (!value.endsWith("'") || value.length < 2)
            return undefined;
        return value.slice(1, -1).replace(/''/g, "'");
    }
    if (value.startsWith('"')) {
        if (!value.endsWith('"') || value.length < 2)
            return undefined;
        try {
            return JSON.parse(value);
        }
        catch {
            return undefined;
        }
    }
    // A comment after a plain value: ` #` starts it.
    return value.replace(/\s+#.*$/, '');
}
/** Reads the list; the passwords must have been masked already (passwordsIn). */
function parseRegistryAuth(raw) {
    const entries = [];
    let current;
    let indent = -1;
    raw.split(/\r?\n/).forEach((line, index) => {
        if (line.trim() === '' || line.trim().startsWith('#'))
            return;
        const where = `line ${index + 1}`;
        const item = /^(\s*)-\s+(.*)$/.exec(line);
        let text;
        if (item) {
            current = {};
            entries.push(current);
            indent = item[1].length + line.slice(item[1].length).indexOf(item[2]);
            text = item[2];
        }
        else {
            const lead = /^\s*/.exec(line)[0].length;
            if (!current || lead !== indent) {
                throw new errors_1.ConfigurationError('registry-auth', `${where} is not part of a list entry (each entry starts with '- ', its keys aligned). ${EXAMPLE}`);
            }
            text = line.trim();
        }
        const pair = /^([A-Za-z-]+)\s*:(?:\s+(.*))?$/.exec(text.trim());
        const key = pair?.[1];
        if (!pair || !key || !KEYS.includes(key)) {
            throw new errors_1.ConfigurationError('registry-auth', `${where} is not one of registry:, username:, password:. ${EXAMPLE}`);
        }
        const value = scalar(pair[2] ?? '');
        if (value === undefined) {
            throw new errors_1.ConfigurationError('registry-auth', `${where}: the ${key} value is not closed.`);
        }
        if (current[key] !== undefined) {
            throw new errors_1.ConfigurationError('registry-auth', `${where}: ${key} is given twice in one entry.`);
        }
        current[key] = value;
    });
    const seen = new Set();
    return entries.map((entry, index) => {
        const missing = KEYS.filter((key) => !entry[key]);
        if (missing.length > 0) {
            throw new errors_1.ConfigurationError('registry-auth', `entry ${index + 1}${entry.registry ? ` (${entry.registry})` : ''} lacks ${missing.join(', ')}. Each entry needs registry, username and password; Docker Hub is docker.io.`);
        }
        const registry = (0, image_name_1.normaliseRegistry)(entry.registry);
        if (seen.has(registry)) {
            throw new errors_1.ConfigurationError('registry-auth', `lists ${registry} twice. Give one login a registry.`);
        }
        seen.add(registry);
        return { registry, username: entry.username, password: entry.password };
    });
}


/***/ }),

/***/ 8828:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.outputs = outputs;
exports.metadata = metadata;
exports.formatBytes = formatBytes;
exports.summaryRows = summaryRows;
exports.ociLabels = ociLabels;
exports.mergeLabels = mergeLabels;
const duration_1 = __nccwpck_require__(3788);
/** The image to deploy: by digest, so a moved tag can never change what runs. */
function imageRef(report) {
    return report.digest ? `${report.image}@${report.digest}` : '';
}
/** `digests`: repository as given, lower-cased, to digest, for those that have one. */
function digests(report) {
    const map = {};
    for (const image of report.images)
        if (image.digest)
            map[image.key] = image.digest;
    return map;
}
function imageRefs(report) {
    return report.images.flatMap((image) => (image.digest ? [`${image.name}@${image.digest}`] : []));
}
function outputs(report) {
    const pushed = imageRefs(report);
    return {
        digest: report.digest ?? '',
        'image-ref': imageRef(report),
        digests: pushed.length > 0 ? JSON.stringify(digests(report)) : '',
        'image-refs': pushed.join('\n'),
        'image-url': report.references[0] ?? '',
        tags: report.references.join('\n'),
        'image-id': report.imageId ?? '',
        metadata: JSON.stringify(metadata(report)),
    };
}
function metadata(report) {
    return {
        image: report.image,
        tags: report.references,
        digest: report.digest ?? null,
        'image-ref': imageRef(report) || null,
        images: report.images.map((image) => image.name),
        digests: digests(report),
        'image-id': report.imageId ?? null,
        pushed: report.pushed,
        builder: report.builder,
        platforms: report.platforms,
        labels: report.labels,
        'size-bytes': report.sizeBytes ?? null,
        'build-seconds': seconds(report.buildMs),
        'push-seconds': seconds(report.pushMs),
    };
}
function seconds(ms) {
    return ms === undefined ? null : Math.round(ms) / 1000;
}
function formatBytes(bytes) {
    if (bytes === undefined)
        return '';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit += 1;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
/**
 * The job summary's table, as rows of cells; the first row is the header. Every value is a
 * validated image name, tag or digest, so none needs HTML escaping; tags go one a line.
 */
function summaryRows(report) {
    return [
        ['Image', 'Tags', 'Digest', 'Size', 'Build time', 'Push time', 'Builder'],
        ...report.images.map((image) => [
            image.name,
            image.references.join('<br>') || '(none)',
            report.pushed ? (image.digest ?? '(not established)') : '(not pushed)',
            formatBytes(report.sizeBytes) || '(not in the local store)',
            report.buildMs === undefined ? '(not built)' : (0, duration_1.formatDuration)(report.buildMs),
            report.pushMs === undefined ? '' : (0, duration_1.formatDuration)(report.pushMs),
            report.builder,
        ]),
    ];
}
/**
 * The OCI annotations every image gets, so a running container says where it came from.
 * The user's labels win over these.
 */
function ociLabels(context, now) {
    const labels = {
        'org.opencontainers.image.created': now.toISOString(),
    };
    if (context.serverUrl && context.repository) {
        labels['org.opencontainers.image.source'] = `${context.serverUrl}/${context.repository}`;
    }
    if (context.sha)
        labels['org.opencontainers.image.revision'] = context.sha;
    if (context.version)
        labels['org.opencontainers.image.version'] = context.version;
    return labels;
}
function mergeLabels(own, user) {
    const merged = { ...own };
    for (const line of user) {
        const equals = line.indexOf('=');
        merged[line.slice(0, equals)] = line.slice(equals + 1);
    }
    return merged;
}


/***/ }),

/***/ 4413:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.TEMPORARY_BUILDER_PREFIX = void 0;
exports.savePostState = savePostState;
exports.readPostState = readPostState;
// What main hands to the post step. Saved before the first login, so a step failing after it
// still has its credentials removed.
/** Names of the step's temporary builders start with this; post removes only such a builder. */
exports.TEMPORARY_BUILDER_PREFIX = 'docker-build-push-';
function savePostState(runner, state) {
    runner.saveState('config-dir', state.configDir ?? '');
    runner.saveState('login-registries', state.loginRegistries.join('\n'));
    runner.saveState('logout', String(state.logout));
    runner.saveState('builder', state.builder ?? '');
}
function readPostState(runner) {
    return {
        configDir: runner.getState('config-dir') || undefined,
        loginRegistries: runner
            .getState('login-registries')
            .split('\n')
            .filter((line) => line !== ''),
        logout: runner.getState('logout') !== 'false',
        builder: runner.getState('builder') || undefined,
    };
}


/***/ }),

/***/ 7879:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseSemver = parseSemver;
exports.checkTemplates = checkTemplates;
exports.sanitiseTag = sanitiseTag;
exports.computeTags = computeTags;
exports.tagContextFromEvent = tagContextFromEvent;
const errors_1 = __nccwpck_require__(9223);
const PLACEHOLDERS = [
    'sha',
    'short_sha',
    'run_number',
    'run_attempt',
    'branch',
    'tag',
    'version',
    'major',
    'minor',
    'patch',
    'pr',
    'date',
];
const MAX_TAG_LENGTH = 128;
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);
/** semver 2.0 with an optional leading v, as git tags are usually written. */
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
function parseSemver(gitTag) {
    const match = gitTag === undefined ? null : SEMVER.exec(gitTag);
    if (!match)
        return undefined;
    const [, major, minor, patch, prerelease] = match;
    const core = `${major}.${minor}.${patch}`;
    return {
        // Build metadata (+...) is not part of a version's identity, and `+` cannot be in a tag.
        version: prerelease ? `${core}-${prerelease}` : core,
        major,
        minor,
        patch,
        prerelease: prerelease !== undefined,
    };
}
/**
 * The default scheme. `latest` moves only on a push to the default branch, so a tag push, a
 * pull request or a scheduled rebuild never moves it; pre-releases get no version tags, so
 * `1.2` keeps pointing at the last release.
 */
function defaultTemplates(context) {
    const templates = ['sha-{{short_sha}}'];
    if (context.eventName === 'push' &&
        context.defaultBranch !== undefined &&
        context.ref === `refs/heads/${context.defaultBranch}`) {
        templates.push('latest');
    }
    const semver = parseSemver(context.gitTag);
    if (semver && !semver.prerelease)
        templates.push('{{version}}', '{{major}}.{{minor}}');
    if (PULL_REQUEST_EVENTS.has(context.eventName))
        templates.push('pr-{{pr}}');
    return templates;
}
function placeholderValues(context) {
    const semver = parseSemver(context.gitTag);
    const date = context.date.toISOString().slice(0, 10).replace(/-/g, '');
    return {
        sha: context.sha,
        short_sha: context.sha?.slice(0, 7),
        run_number: context.runNumber,
        run_attempt: context.runAttempt,
        branch: context.branch,
        tag: context.gitTag,
        version: semver?.version,
        major: semver?.major,
        minor: semver?.minor,
        patch: semver?.patch,
        pr: PULL_REQUEST_EVENTS.has(context.eventName) ? context.pullRequest : undefined,
        date,
    };
}
/** Checks templates before anything runs: an unknown placeholder is a typo, not a skip. */
function checkTemplates(templates) {
    for (const template of templates) {
        for (const match of template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
            if (!PLACEHOLDERS.includes(match[1])) {
                throw new errors_1.ConfigurationError('tags', `'${template}' uses an unknown placeholder {{${match[1]}}}. Known: ${PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ')}.`);
            }
        }
        const stray = template.replace(/\{\{\s*[^}]*?\s*\}\}/g, '');
        if (/[{}]/.test(stray)) {
            throw new errors_1.ConfigurationError('tags', `'${template}' has an unbalanced brace. Write placeholders as {{name}}, e.g. 0.1.{{run_number}}.`);
        }
    }
}
/**
 * Turns text into a valid tag: characters outside [A-Za-z0-9_.-] become `-`, a tag cannot
 * start with `.` or `-`, and it is cut at 128 characters. Empty means nothing was left.
 */
function sanitiseTag(text) {
    return text
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .replace(/^[.-]+/, '')
        .slice(0, MAX_TAG_LENGTH);
}
/**
 * Fills the templates (or the default scheme when there are none) from the event. A template
 * whose placeholder has no value in this event is skipped, not filled with an empty string:
 * `pr-` or `-rc` would be tags nobody meant.
 */
function computeTags(templates, context) {
    checkTemplates(templates);
    const values = placeholderValues(context);
    const result = { tags: [], skipped: [], sanitised: [] };
    const chosen = templates.length > 0 ? templates : defaultTemplates(context);
    for (const template of chosen) {
        let missing;
        const filled = template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name) => {
            const value = values[name];
            if (value === undefined || value === '')
                missing ??= name;
            return value ?? '';
        });
        if (missing !== undefined) {
            result.skipped.push({
                template,
                reason: `{{${missing}}} has no value in a ${context.eventName} event`,
            });
            continue;
        }
        const tag = sanitiseTag(filled);
        if (tag === '') {
            result.skipped.push({ template, reason: `'${filled}' leaves nothing valid in a tag` });
            continue;
        }
        if (tag !== filled)
            result.sanitised.push({ template, from: filled, to: tag });
        if (!result.tags.includes(tag))
            result.tags.push(tag);
    }
    return result;
}
/** Reads a TagContext from the runner's GITHUB_* variables and the event payload. */
function tagContextFromEvent(env, payload, now) {
    const eventName = env.GITHUB_EVENT_NAME ?? '';
    const ref = env.GITHUB_REF || undefined;
    const pullRequest = payload.pull_request?.number ?? payload.number;
    let branch;
    if (PULL_REQUEST_EVENTS.has(eventName)) {
        branch = env.GITHUB_HEAD_REF || payload.pull_request?.head?.ref || undefined;
    }
    else if (ref?.startsWith('refs/heads/')) {
        branch = ref.slice('refs/heads/'.length);
    }
    return {
        eventName,
        sha: env.GITHUB_SHA || undefined,
        runNumber: env.GITHUB_RUN_NUMBER || undefined,
        runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
        branch,
        gitTag: ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined,
        pullRequest: pullRequest === undefined ? undefined : String(pullRequest),
        defaultBranch: payload.repository?.default_branch,
        ref,
        date: now,
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

/***/ 2613:
/***/ ((module) => {

module.exports = require("assert");

/***/ }),

/***/ 5317:
/***/ ((module) => {

module.exports = require("child_process");

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

/***/ 1455:
/***/ ((module) => {

module.exports = require("node:fs/promises");

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

/***/ 8161:
/***/ ((module) => {

module.exports = require("node:os");

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

/***/ 6928:
/***/ ((module) => {

module.exports = require("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = require("stream");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = require("string_decoder");

/***/ }),

/***/ 3557:
/***/ ((module) => {

module.exports = require("timers");

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
const main_1 = __nccwpck_require__(5459);
void (0, main_1.run)();

})();

module.exports = __webpack_exports__;
/******/ })()
;