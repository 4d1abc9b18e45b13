/**
 * Parse-tree nodes, with the String() forms Go uses in error messages.
 * `pos` is the UTF-16 offset of the node in the template source.
 */
import { goQuote } from "./goquote.js";
import type { NumberValue } from "./number.js";

export interface ListNode {
  kind: "list";
  pos: number;
  nodes: Node[];
}
export interface TextNode {
  kind: "text";
  pos: number;
  text: string;
}
export interface ActionNode {
  kind: "action";
  pos: number;
  pipe: PipeNode;
}
export interface PipeNode {
  kind: "pipe";
  pos: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode {
  kind: "command";
  pos: number;
  args: Node[];
}
export interface IdentifierNode {
  kind: "identifier";
  pos: number;
  ident: string;
}
export interface VariableNode {
  kind: "variable";
  pos: number;
  ident: string[];
}
export interface DotNode {
  kind: "dot";
  pos: number;
}
export interface NilNode {
  kind: "nil";
  pos: number;
}
export interface FieldNode {
  kind: "field";
  pos: number;
  ident: string[];
}
export interface ChainNode {
  kind: "chain";
  pos: number;
  node: Node;
  field: string[];
}
export interface BoolNode {
  kind: "bool";
  pos: number;
  value: boolean;
}
export interface NumberNode {
  kind: "number";
  pos: number;
  text: string;
  value: NumberValue;
}
export interface StringNode {
  kind: "string";
  pos: number;
  quoted: string;
  text: string;
}
export interface EndNode {
  kind: "end";
  pos: number;
}
export interface ElseNode {
  kind: "else";
  pos: number;
}
export interface BranchNode {
  kind: "if" | "range" | "with";
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface TemplateNode {
  kind: "template";
  pos: number;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode {
  kind: "break";
  pos: number;
}
export interface ContinueNode {
  kind: "continue";
  pos: number;
}

export type Node =
  | ListNode
  | TextNode
  | ActionNode
  | PipeNode
  | CommandNode
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | EndNode
  | ElseNode
  | BranchNode
  | TemplateNode
  | BreakNode
  | ContinueNode;

function pipeString(p: PipeNode): string {
  let s = "";
  if (p.decl.length > 0) {
    s += p.decl.map(nodeString).join(", ") + " := ";
  }
  return s + p.cmds.map(nodeString).join(" | ");
}

/** Go's Node.String(). */
export function nodeString(n: Node): string {
  switch (n.kind) {
    case "list":
      return n.nodes.map(nodeString).join("");
    case "text":
      return n.text;
    case "action":
      return "{{" + pipeString(n.pipe) + "}}";
    case "pipe":
      return pipeString(n);
    case "command":
      return n.args.map((a) => (a.kind === "pipe" ? "(" + pipeString(a) + ")" : nodeString(a))).join(" ");
    case "identifier":
      return n.ident;
    case "variable":
      return n.ident.join(".");
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "field":
      return n.ident.map((id) => "." + id).join("");
    case "chain": {
      const head = n.node.kind === "pipe" ? "(" + pipeString(n.node) + ")" : nodeString(n.node);
      return head + n.field.map((f) => "." + f).join("");
    }
    case "bool":
      return n.value ? "true" : "false";
    case "number":
      return n.text;
    case "string":
      return n.quoted;
    case "end":
      return "{{end}}";
    case "else":
      return "{{else}}";
    case "if":
    case "range":
    case "with": {
      let s = "{{" + n.kind + " " + pipeString(n.pipe) + "}}" + nodeString(n.list);
      if (n.elseList) s += "{{else}}" + nodeString(n.elseList);
      return s + "{{end}}";
    }
    case "template":
      return "{{template " + goQuote(n.name) + (n.pipe ? " " + pipeString(n.pipe) : "") + "}}";
    case "break":
      return "{{break}}";
    case "continue":
      return "{{continue}}";
  }
}

/** parse.IsEmptyTree: only whitespace text and comments. */
export function isEmptyTree(n: Node | null): boolean {
  if (n === null) return true;
  switch (n.kind) {
    case "list":
      return n.nodes.every(isEmptyTree);
    case "text":
      return n.text.trim().length === 0;
    default:
      return false;
  }
}
