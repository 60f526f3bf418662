import { useEffect, useState } from 'react';

type Theme = 'system' | 'light' | 'dark';
const key = 'relaydesk.theme';

export function applyStoredTheme(): void {
  const theme = (localStorage.getItem(key) as Theme | null) ?? 'system';
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

/** Light, dark, or whatever the system prefers (the default). */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem(key) as Theme | null) ?? 'system');
  useEffect(() => {
    localStorage.setItem(key, theme);
    applyStoredTheme();
  }, [theme]);
  return (
    <label className="theme-toggle">
      <span className="sr-only">Theme</span>
      <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
