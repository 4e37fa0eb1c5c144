// Starts `act lsp` for .act files: the TextMate grammar colours them, the server does the rest.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("act").get("server.command", ["act", "lsp"]);
  client = new LanguageClient("act", "act language server", { command, args }, {
    documentSelector: [{ scheme: "file", language: "act" }, { scheme: "untitled", language: "act" }],
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
