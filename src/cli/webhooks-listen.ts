import type { Command } from 'commander';

// Placeholder until `rundun webhooks listen` lands with the delivery engine.
export function registerWebhookCommands(_program: Command): void {}
