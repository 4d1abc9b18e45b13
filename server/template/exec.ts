/**
 * The template executor: walks parse trees over JSON data with Go's
 * text/template semantics under missingkey=error, and reports errors as
 * `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`.
 */
import type {
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
} from "./ast.js";
import { nodeString } from "./ast.js";
import { TemplateError } from "./errors.js";
import { type ArgType, FuncError, SIGNATURES, callBuiltin, truth } from "./funcs.js";
import { FmtLimitError, sprint } from "./gofmt.js";
import { goQuote, utf8Length } from "./goquote.js";
import type { TreeSet } from "./parser.js";
import { Iface, type Val, element, indirectInterface, reflectTypeName, toAny } from "./reflect.js";
import { type AnyMap, GoComplex, GoUint8, StringMap, deepSize, goTypeName, kindOf, mapLookup, sortedKeys } from "./value.js";

export interface TemplateLimits {
  /** Largest output, in UTF-8 bytes; also the largest string a function may build. */
  maxOutputBytes: number;
  /** Most evaluation steps (nodes walked, commands evaluated, range iterations). */
  maxSteps: number;
  /**
   * Most characters functions may read and build in one execution, counted
   * before the work is done: every string and list argument by its length,
   * every result by its length. Bounds the time and memory of templates that
   * build big strings without printing them (`{{len (printf "%4000000d" 1)}}`).
   */
  maxFunctionBytes: number;
  /** Deepest nesting of {{template}} calls. */
  maxDepth: number;
}

/**
 * Chosen so that the worst template within them renders in a few hundred
 * milliseconds at most on a busy CPU (docs/operations.md, "Template and Butane
 * limits"), while real templates stay far below them.
 */
export const DEFAULT_LIMITS: TemplateLimits = {
  maxOutputBytes: 4 * 1024 * 1024,
  maxSteps: 100_000,
  maxFunctionBytes: 2 * 1024 * 1024,
  maxDepth: 100,
};

/** The "no final value" marker for a command that is not fed by a pipe. */
const MISSING: unique symbol = Symbol("missing");
type Final = Val | typeof MISSING;

const BREAK = Symbol("break");
const CONTINUE = Symbol("continue");

interface Variable {
  name: string;
  value: Val;
}

interface Shared {
  readonly text: string;
  readonly parseName: string;
  readonly trees: TreeSet;
  readonly limits: TemplateLimits;
  out: string[];
  outBytes: number;
  steps: number;
  functionBytes: number;
}

class ExecState {
  private node: Node | null = null;
  private vars: Variable[];

  constructor(
    private readonly shared: Shared,
    private readonly tmplName: string,
    private readonly depth: number,
    dot: Val,
  ) {
    this.vars = [{ name: "$", value: dot }];
  }

  // --- errors and bookkeeping ---------------------------------------------

  private at(node: Node): void {
    this.node = node;
  }

  errorf(message: string): never {
    const name = this.tmplName;
    if (this.node === null) throw new TemplateError(`template: ${name}: ${message}`);
    const { text, parseName } = this.shared;
    const before = text.slice(0, this.node.pos);
    const nl = before.lastIndexOf("\n");
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = utf8Length(nl < 0 ? before : before.slice(nl + 1));
    throw new TemplateError(
      `template: ${parseName}:${line}:${col}: executing ${goQuote(name)} at <${nodeString(this.node)}>: ${message}`,
    );
  }

  private step(): void {
    if (++this.shared.steps > this.shared.limits.maxSteps) {
      this.errorf(`execution exceeded the limit of ${this.shared.limits.maxSteps} steps`);
    }
  }

  /** Counts characters a function reads or builds against maxFunctionBytes. */
  private charge(chars: number): void {
    const shared = this.shared;
    shared.functionBytes += chars;
    if (shared.functionBytes > shared.limits.maxFunctionBytes) {
      this.errorf(`execution exceeded the limit of ${shared.limits.maxFunctionBytes} bytes handled by functions`);
    }
  }

  /** The largest string a function may still build: within the output limit and what is left of maxFunctionBytes. */
  private room(): number {
    const { limits, functionBytes } = this.shared;
    return Math.min(limits.maxOutputBytes, limits.maxFunctionBytes - functionBytes);
  }

  private write(s: string): void {
    if (s.length === 0) return;
    const shared = this.shared;
    shared.outBytes += utf8Length(s);
    if (shared.outBytes > shared.limits.maxOutputBytes) {
      this.errorf(`output exceeded the limit of ${shared.limits.maxOutputBytes} bytes`);
    }
    shared.out.push(s);
  }

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private push(name: string, value: Val): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: Val): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: Val): void {
    this.vars[this.vars.length - n]!.value = value;
  }
  private varValue(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking --------------------------------------------------------------

  walk(dot: Val, node: Node): void {
    this.at(node);
    this.step();
    switch (node.kind) {
      case "action": {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case "break":
        throw BREAK;
      case "continue":
        throw CONTINUE;
      case "if":
      case "with":
        return this.walkIfOrWith(dot, node);
      case "list":
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case "range":
        return this.walkRange(dot, node);
      case "template":
        return this.walkTemplate(dot, node);
      case "text":
        return this.write(node.text);
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(dot: Val, node: BranchNode): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (truth(val)) this.walk(node.kind === "with" ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: Val, r: BranchNode): void {
    this.at(r);
    const outerMark = this.mark();
    try {
      this.rangeBody(dot, r);
    } catch (signal) {
      if (signal !== BREAK) throw signal;
    } finally {
      this.pop(outerMark);
    }
  }

  private rangeBody(dot: Val, r: BranchNode): void {
    const val = indirectInterface(this.evalPipeline(dot, r.pipe));
    const mark = this.mark();
    const decl = r.pipe.decl;
    const oneIteration = (index: Val, elem: Val): void => {
      this.step();
      if (decl.length > 0) {
        if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
        else this.setTopVar(1, elem);
      }
      if (decl.length > 1) {
        if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
        else this.setTopVar(2, index);
      }
      try {
        this.walk(elem, r.list);
      } catch (signal) {
        if (signal !== CONTINUE) throw signal;
      } finally {
        this.pop(mark);
      }
    };
    const kind = val === undefined ? "invalid" : kindOf(val);
    switch (kind) {
      case "int":
      case "uint8": {
        if (decl.length > 1) this.errorf(`can't use ${sprint([val])} to iterate over more than one variable`);
        const n = kind === "int" ? (val as bigint) : BigInt((val as GoUint8).value);
        if (n > 0n) {
          for (let i = 0n; i < n; i++) oneIteration(undefined, kind === "int" ? i : new GoUint8(Number(i)));
          return;
        }
        break;
      }
      case "slice": {
        const list = val as unknown[];
        if (list.length > 0) {
          for (let i = 0; i < list.length; i++) oneIteration(BigInt(i), element(list[i]));
          return;
        }
        break;
      }
      case "map": {
        const m = val as AnyMap;
        const keys = sortedKeys(m);
        if (keys.length > 0) {
          for (const k of keys) oneIteration(k, elementOf(m, k));
          return;
        }
        break;
      }
      case "invalid":
      case "nil":
        break;
      default:
        this.errorf(`range can't iterate over ${sprint([val])}`);
    }
    if (r.elseList) this.walk(dot, r.elseList);
  }

  private walkTemplate(dot: Val, t: TemplateNode): void {
    this.at(t);
    const tree = this.shared.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= this.shared.limits.maxDepth) {
      this.errorf(`exceeded maximum template depth (${this.shared.limits.maxDepth})`);
    }
    const newDot = this.evalPipeline(dot, t.pipe);
    const inner = new ExecState(this.shared, t.name, this.depth + 1, newDot);
    inner.walk(newDot, tree.root);
  }

  // --- evaluation -------------------------------------------------------------

  private evalPipeline(dot: Val, pipe: PipeNode | null): Val {
    if (pipe === null) return undefined;
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      if (value instanceof Iface) value = indirectInterface(value);
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.push(v.ident[0]!, value);
    }
    return value;
  }

  private notAFunction(args: Node[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
    }
  }

  private evalCommand(dot: Val, cmd: CommandNode, final: Final): Val {
    this.step();
    const first = cmd.args[0]!;
    switch (first.kind) {
      case "field":
        return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        this.errorf("nil is not a command");
      case "number":
        return this.idealConstant(first);
      case "string":
        return first.text;
    }
    this.errorf(`can't evaluate command ${goQuote(nodeString(first))}`);
  }

  private idealConstant(constant: NumberNode): Val {
    this.at(constant);
    const n = constant.value;
    const text = constant.text;
    if (n.isComplex) return new GoComplex(n.re, n.im);
    const isHexInt = text.length > 2 && text[0] === "0" && (text[1] === "x" || text[1] === "X") && !/[pP]/.test(text);
    const isRuneInt = text.startsWith("'");
    if (n.isFloat && !isHexInt && !isRuneInt && /[.eEpP]/.test(text)) return n.float64;
    if (n.isInt) return n.int64;
    if (n.isUint) this.errorf(`${text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: Val, field: FieldNode, args: Node[], final: Final): Val {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: Val, chain: ChainNode, args: Node[], final: Final): Val {
    this.at(chain);
    if (chain.field.length === 0) this.errorf("internal error: no fields in evalChainNode");
    if (chain.node.kind === "nil") this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: Val, variable: VariableNode, args: Node[], final: Final): Val {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: Val, receiver: Val, node: Node, ident: string[], args: Node[], final: Final): Val {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(ident[i]!, [], MISSING, receiver);
    return this.evalField(ident[n - 1]!, args, final, receiver);
  }

  private evalField(fieldName: string, args: Node[], final: Final, receiver: Val): Val {
    if (receiver === undefined) this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
    const typ = reflectTypeName(receiver);
    let value = receiver;
    if (value instanceof Iface) {
      if (value.v === null || value.v === undefined) this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
      value = value.v;
    }
    const hasArgs = args.length > 1 || final !== MISSING;
    if (kindOf(value) === "map") {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const m = value as AnyMap;
      if (mapLookup(m, fieldName)) return elementOf(m, fieldName);
      this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  private evalFunction(dot: Val, node: IdentifierNode, cmd: Node, args: Node[] | null, final: Final): Val {
    this.at(node);
    const name = node.ident;
    const sig = SIGNATURES[name];
    if (sig === undefined) this.errorf(`${goQuote(name)} is not a defined function`);
    const callArgs = args === null ? [] : args.slice(1);
    const numIn = callArgs.length + (final !== MISSING ? 1 : 0);
    let numFixed = callArgs.length;
    if (sig.variadic !== null) {
      numFixed = sig.fixed.length;
      if (numIn < numFixed) {
        this.errorf(`wrong number of args for ${name}: want at least ${sig.fixed.length} got ${callArgs.length}`);
      }
    } else if (numIn !== sig.fixed.length) {
      this.errorf(`wrong number of args for ${name}: want ${sig.fixed.length} got ${numIn}`);
    }

    if (name === "and" || name === "or") {
      let v: Val = undefined;
      for (const arg of callArgs) {
        v = this.evalArg(dot, "value", arg);
        if (truth(v) === (name === "or")) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }

    const argv: Val[] = [];
    let i = 0;
    for (; i < numFixed && i < callArgs.length; i++) argv.push(this.evalArg(dot, sig.fixed[i]!, callArgs[i]!));
    if (sig.variadic !== null) {
      for (; i < callArgs.length; i++) argv.push(this.evalArg(dot, sig.variadic, callArgs[i]!));
    }
    if (final !== MISSING) {
      let t: ArgType;
      if (sig.variadic !== null) t = numIn - 1 < numFixed ? sig.fixed[numIn - 1]! : sig.variadic;
      else t = sig.fixed[sig.fixed.length - 1]!;
      argv.push(this.validateType(final, t));
    }

    let input = 0;
    for (const arg of argv) input += sizeOf(arg);
    this.charge(input);
    try {
      if (name === "call") {
        const callee = callArgs.length === 0 ? valueString(final as Val) : nodeString(callArgs[0]!);
        return callValue(callee, argv[0]);
      }
      const result = callBuiltin(name, argv, this.room());
      this.charge(sizeOf(result));
      return result;
    } catch (err) {
      if (err instanceof FuncError || err instanceof FmtLimitError) {
        this.at(cmd);
        this.errorf(`error calling ${name}: ${err.message}`);
      }
      throw err;
    }
  }

  /** validateType: convert an evaluated value to a parameter type, with Go's errors. */
  private validateType(value: Val, typ: ArgType | null): Val {
    if (typ === null || typ === "value") return value;
    if (typ === "any") return toAny(value);
    if (value === undefined) this.errorf("invalid value; expected string");
    if (typeof value === "string") return value;
    if (value instanceof Iface && typeof value.v === "string") return value.v;
    const shown = value instanceof Iface && value.v !== null && value.v !== undefined ? value.v : value;
    this.errorf(`wrong type for value; expected string; got ${reflectTypeName(shown)}`);
  }

  private evalArg(dot: Val, typ: ArgType | null, n: Node): Val {
    this.at(n);
    switch (n.kind) {
      case "dot":
        return this.validateType(dot, typ);
      case "nil":
        if (typ === "string") this.errorf("cannot assign nil to string");
        return typ === "any" ? null : undefined;
      case "field":
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case "variable":
        return this.validateType(this.evalVariableNode(dot, n, [], MISSING), typ);
      case "pipe":
        return this.validateType(this.evalPipeline(dot, n), typ);
      case "identifier":
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case "chain":
        return this.validateType(this.evalChainNode(dot, n, [], MISSING), typ);
    }
    if (typ === "string") {
      if (n.kind === "string") return n.text;
      this.errorf(`expected string; found ${nodeString(n)}`);
    }
    switch (n.kind) {
      case "bool":
        return n.value;
      case "number":
        return this.idealConstant(n);
      case "string":
        return n.text;
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  private printValue(node: Node, v: Val): void {
    this.at(node);
    if (v === undefined) {
      this.write("<no value>");
      return;
    }
    this.write(sprint([toAny(v)]));
  }
}

/** What a function's work on a value is proportional to: its characters, all the way down. */
function sizeOf(v: Val): number {
  return deepSize(indirectInterface(v));
}

/** A present map element: an interface {} value, or a plain string for a map[string]string. */
function elementOf(m: AnyMap, key: string): Val {
  const value = mapLookup(m, key)!.value;
  return m instanceof StringMap ? value : element(value);
}

/** reflect.Value.String() for the name `call` reports when fed by a pipe. */
function valueString(v: Val): string {
  if (v === undefined) return "<invalid Value>";
  if (v instanceof Iface) return "<interface {} Value>";
  if (typeof v === "string") return v;
  return `<${goTypeName(v)} Value>`;
}

/** `call`: JSON data holds no functions, so this reports Go's error for the value given. */
function callValue(name: string, fn: Val): Val {
  const f = indirectInterface(fn);
  if (f === undefined) throw new FuncError("call of nil");
  throw new FuncError(`non-function ${name} of type ${goTypeName(f)}`);
}

export interface ExecuteInput {
  text: string;
  name: string;
  trees: TreeSet;
  data: unknown;
  limits: TemplateLimits;
}

/** Execute the template `name` of a parsed text against data; bytes that are not UTF-8 stay escaped (bytestring.ts). */
export function executeTrees(input: ExecuteInput): string {
  const shared: Shared = {
    text: input.text,
    parseName: input.name,
    trees: input.trees,
    limits: input.limits,
    out: [],
    outBytes: 0,
    steps: 0,
    functionBytes: 0,
  };
  const tree = input.trees.get(input.name);
  const dot: Val = input.data === null || input.data === undefined ? undefined : input.data;
  const state = new ExecState(shared, input.name, 0, dot);
  if (tree === undefined) return state.errorf(`${goQuote(input.name)} is an incomplete or empty template`);
  state.walk(dot, tree.root);
  return shared.out.join("");
}

