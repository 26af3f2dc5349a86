/**
 * The seed data of the fixture integrations (Linear, Slack, Google Calendar), written to the store on first
 * start.
 *
 * @since 0.1.0
 */

/**
 * One seeded record.
 *
 * @since 0.1.0
 * @category models
 */
export interface SeedRecord {
  readonly integration: string
  readonly kind: string
  readonly id: string
  readonly value: Record<string, unknown>
}

const issue = (id: string, title: string, state: string, team: string, assignee: string | null, priority: number) => ({
  integration: "linear",
  kind: "issue",
  id,
  value: { id, title, state, team, assignee, priority }
})

const channel = (id: string, name: string, topic: string, members: number) => ({
  integration: "slack",
  kind: "channel",
  id,
  value: { id, name, topic, members }
})

const message = (id: string, channel: string, user: string, text: string, ts: string) => ({
  integration: "slack",
  kind: "message",
  id,
  value: { id, channel, user, text, ts }
})

const calendarEvent = (id: string, summary: string, start: string, end: string, attendees: Array<string>) => ({
  integration: "google",
  kind: "calendar_event",
  id,
  value: { id, summary, start, end, attendees }
})

/**
 * Every seeded record.
 *
 * @since 0.1.0
 * @category constants
 */
export const seedRecords: ReadonlyArray<SeedRecord> = [
  issue("ENG-101", "Checkout fails for carts over 50 items", "open", "ENG", "ada", 1),
  issue("ENG-102", "Slow search on the orders page", "open", "ENG", "grace", 2),
  issue("ENG-103", "Flaky login test in CI", "in_progress", "ENG", "linus", 3),
  issue("ENG-104", "Export to CSV drops the last row", "open", "ENG", null, 2),
  issue("SUP-7", "Refund emails go to spam", "open", "SUP", "margaret", 1),
  issue("SUP-8", "Support backlog over 200 tickets", "done", "SUP", "margaret", 2),
  channel("C001", "general", "Company-wide announcements", 42),
  channel("C002", "eng", "Engineering chatter", 17),
  channel("C003", "support", "Customer support escalations", 9),
  message("M001", "support", "margaret", "The support backlog is growing again, mostly refund questions.", "2026-03-12T09:14:00Z"),
  message("M002", "eng", "ada", "Checkout bug ENG-101 reproduced with 51 items.", "2026-03-12T11:02:00Z"),
  message("M003", "general", "grace", "Release 4.2 goes out on Friday.", "2026-03-13T16:45:00Z"),
  message("M004", "support", "linus", "Refund emails land in spam for Gmail users.", "2026-03-13T17:20:00Z"),
  calendarEvent("E001", "Support backlog triage", "2026-03-16T09:00:00Z", "2026-03-16T09:30:00Z", ["margaret", "ada"]),
  calendarEvent("E002", "Release 4.2 go/no-go", "2026-03-19T15:00:00Z", "2026-03-19T15:30:00Z", ["grace", "linus", "ada"]),
  calendarEvent("E003", "Planning", "2026-03-20T10:00:00Z", "2026-03-20T11:00:00Z", ["ada", "grace", "linus", "margaret"])
]
