/**
 * The HTTP/2 "Connections" view: connections → streams → frames of the active HTTP/2 log.
 * Children are fetched lazily, a page at a time, from the server; nothing is parsed here.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  ConnectionsRequest,
  FindStreamsRequest,
  FrameAtRequest,
  FramesRequest,
  StreamsRequest,
  StreamSummaryRequest,
  type ConnectionItem,
  type FrameItem,
  type Page,
  type StreamItem,
} from '../../../server/src/protocol.ts';
import {
  PAGE_SIZE,
  presentConnection,
  presentConnectionFrames,
  presentFrame,
  presentMore,
  presentStream,
  type NodePresentation,
} from './treeModel.ts';

export type Node =
  | { kind: 'connection'; key: string; item: ConnectionItem }
  | { kind: 'stream'; key: string; item: StreamItem; parent: Node }
  | { kind: 'connFrames'; key: string; connection: string; count: number; line: number; parent: Node }
  | { kind: 'frame'; key: string; item: FrameItem; parent: Node }
  | { kind: 'more'; key: string; parent: Node; loaded: number; total: number };

interface Loaded {
  nodes: Node[];
  total: number;
}

const t = (message: string, ...args: Array<string | number>): string => vscode.l10n.t(message, ...args);

export class ConnectionsProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The log the view shows. */
  uri: string | undefined;
  onlyProblems = false;
  /** Bumped on every refresh: answers that arrive for an older generation are dropped. */
  private generation = 0;
  private roots: Node[] | undefined;
  private readonly children = new Map<string, Loaded>();

  constructor(private readonly client: LanguageClient) {}

  dispose(): void {
    this.changed.dispose();
  }

  show(uri: string | undefined): void {
    if (uri === this.uri) return;
    this.uri = uri;
    this.refresh();
  }

  refresh(): void {
    this.generation++;
    this.roots = undefined;
    this.children.clear();
    this.changed.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const p = this.present(node);
    const item = new vscode.TreeItem(p.label, p.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.key;
    item.description = p.description;
    item.tooltip = p.tooltip;
    item.iconPath = new vscode.ThemeIcon(p.icon, p.iconColor ? new vscode.ThemeColor(p.iconColor) : undefined);
    item.contextValue = p.contextValue;
    const line = this.lineOf(node);
    if (node.kind === 'more') item.command = { title: t('Show more'), command: 'h2lens.showMore', arguments: [node] };
    else if (line !== undefined && this.uri) item.command = { title: t('Reveal in log'), command: 'h2lens.revealLine', arguments: [this.uri, line] };
    return item;
  }

  getParent(node: Node): Node | undefined {
    return node.kind === 'connection' ? undefined : node.parent;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const uri = this.uri;
    if (!uri) return [];
    const generation = this.generation;
    if (!node) {
      if (!this.roots) {
        const items = await this.client.sendRequest(ConnectionsRequest, { uri });
        if (generation !== this.generation) return [];
        this.roots = items.map((item) => ({ kind: 'connection', key: `c:${item.id}`, item }));
      }
      return this.roots;
    }
    if (node.kind === 'frame' || node.kind === 'more') return [];
    let loaded = this.children.get(node.key);
    if (!loaded) {
      loaded = await this.firstPage(node, uri);
      if (generation !== this.generation) return [];
      this.children.set(node.key, loaded);
    }
    return loaded.nodes;
  }

  /** "Show next 1000": fetch the next page of the node's parent and append it. */
  async showMore(more: Node & { kind: 'more' }): Promise<void> {
    const uri = this.uri;
    const loaded = this.children.get(more.parent.key);
    if (!uri || !loaded) return;
    const generation = this.generation;
    const page = await this.fetchPage(more.parent, uri, more.loaded);
    if (generation !== this.generation) return;
    this.append(more.parent, loaded, page);
    this.changed.fire(more.parent);
  }

  /** Select the frame node on a log line (cursor sync). */
  async revealLine(view: vscode.TreeView<Node>, line: number): Promise<void> {
    if (!view.visible) return;
    const generation = this.generation;
    const frame = await this.frameNodeAt(line);
    if (frame && generation === this.generation) await view.reveal(frame, { select: true, focus: false, expand: false });
  }

  /** The frame node on a log line, loading the pages of its stream (or connection) up to it. */
  async frameNodeAt(line: number): Promise<Node | undefined> {
    const uri = this.uri;
    if (!uri) return undefined;
    const generation = this.generation;
    const at = await this.client.sendRequest(FrameAtRequest, { uri, line });
    if (!at || generation !== this.generation) return undefined;
    const roots = await this.getChildren();
    const conn = roots.find((n) => n.kind === 'connection' && n.item.id === at.connection);
    if (!conn) return undefined;
    let parent: Node | undefined;
    if (at.stream === 0) {
      parent = (await this.getChildren(conn)).find((n) => n.kind === 'connFrames');
    } else {
      parent = await this.findChild(conn, (n) => n.kind === 'stream' && n.item.id === at.stream);
    }
    if (!parent || generation !== this.generation) return undefined;
    const frame = await this.findChild(parent, (n) => n.kind === 'frame' && n.item.index === at.index, at.position);
    return generation === this.generation ? frame : undefined;
  }

  async findStreams(query: string): Promise<StreamItem[]> {
    return this.uri ? this.client.sendRequest(FindStreamsRequest, { uri: this.uri, query }) : [];
  }

  async streamSummary(node: Node): Promise<string | null> {
    if (!this.uri || node.kind !== 'stream') return null;
    return this.client.sendRequest(StreamSummaryRequest, { uri: this.uri, connection: node.item.connection, stream: node.item.id });
  }

  /** The node of a stream (loading pages as needed), for "Find stream…". */
  async streamNode(connection: string, stream: number): Promise<Node | undefined> {
    const conn = (await this.getChildren()).find((n) => n.kind === 'connection' && n.item.id === connection);
    return conn && this.findChild(conn, (n) => n.kind === 'stream' && n.item.id === stream);
  }

  private present(node: Node): NodePresentation {
    switch (node.kind) {
      case 'connection': return presentConnection(node.item, t);
      case 'stream': return presentStream(node.item, t);
      case 'connFrames': return presentConnectionFrames(node.count, t);
      case 'frame': return presentFrame(node.item, t);
      case 'more': return presentMore(node.loaded, node.total, t);
    }
  }

  private lineOf(node: Node): number | undefined {
    switch (node.kind) {
      case 'connection': return node.item.line;
      case 'stream': return node.item.line;
      case 'connFrames': return node.line;
      case 'frame': return node.item.line;
      default: return undefined;
    }
  }

  /** Find a child, loading further pages until it appears (or the pages run out). */
  private async findChild(parent: Node, match: (n: Node) => boolean, position?: number): Promise<Node | undefined> {
    let nodes = await this.getChildren(parent);
    // Only the nodes a page added are searched again: 25 pages of a 25,000-stream connection, not 25 × all.
    let searched = 0;
    for (;;) {
      for (; searched < nodes.length; searched++) if (match(nodes[searched]!)) return nodes[searched];
      const more = nodes[nodes.length - 1];
      if (!more || more.kind !== 'more' || (position !== undefined && position < more.loaded)) return undefined;
      // The page's first node takes the place of this "more" node.
      searched = nodes.length - 1;
      await this.showMore(more);
      nodes = this.children.get(parent.key)?.nodes ?? [];
    }
  }

  private async firstPage(node: Node, uri: string): Promise<Loaded> {
    const loaded: Loaded = { nodes: [], total: 0 };
    if (node.kind === 'connection' && node.item.connectionFrames > 0) {
      loaded.nodes.push({ kind: 'connFrames', key: `${node.key}/frames`, connection: node.item.id, count: node.item.connectionFrames, line: node.item.line, parent: node });
    }
    this.append(node, loaded, await this.fetchPage(node, uri, 0));
    return loaded;
  }

  private fetchPage(node: Node, uri: string, offset: number): Promise<Page<StreamItem> | Page<FrameItem>> {
    if (node.kind === 'connection') {
      return this.client.sendRequest(StreamsRequest, { uri, connection: node.item.id, offset, limit: PAGE_SIZE, onlyProblems: this.onlyProblems });
    }
    const connection = node.kind === 'stream' ? node.item.connection : node.kind === 'connFrames' ? node.connection : '';
    const stream = node.kind === 'stream' ? node.item.id : 0;
    return this.client.sendRequest(FramesRequest, { uri, connection, stream, offset, limit: PAGE_SIZE });
  }

  private append(parent: Node, loaded: Loaded, page: Page<StreamItem> | Page<FrameItem>): void {
    if (loaded.nodes[loaded.nodes.length - 1]?.kind === 'more') loaded.nodes.pop();
    for (const item of page.items) {
      if ('outcome' in item) loaded.nodes.push({ kind: 'stream', key: `${parent.key}/s${item.id}`, item, parent });
      else loaded.nodes.push({ kind: 'frame', key: `${parent.key}/f${item.index}`, item, parent });
    }
    loaded.total = page.total;
    // Streams or frames: every node but a connection's leading "connection frames" node ("more" was popped).
    const count = loaded.nodes.length - (loaded.nodes[0]?.kind === 'connFrames' ? 1 : 0);
    if (count < page.total) loaded.nodes.push({ kind: 'more', key: `${parent.key}/more${count}`, parent, loaded: count, total: page.total });
  }
}
