/** Reply bodies in the seed's shape, which existing callers parse. */
export type Reply = { status: "success" | "ignored" | "error"; data: string; message: string };

/** The seed's exact success body, byte for byte. */
export const HOOK_SUCCESSFUL: Reply = { status: "success", data: "", message: "hook successful" };

export const ignored = (message: string): Reply => ({ status: "ignored", data: "", message });
export const failure = (message: string): Reply => ({ status: "error", data: "", message });
