import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { usePath, navigate } from './router.js';
import { LoginPage, RegisterPage } from './pages/AuthPages.js';
import { ChatPage } from './pages/ChatPage.js';
import { SetPasswordPage } from './pages/SetPasswordPage.js';
import { AdminPage, InvitePage, SessionsPage } from './pages/MiscPages.js';
import { applyStoredTheme } from './components/ThemeToggle.js';
import './styles.css';

function App() {
  const path = usePath();
  if (path === '/login') return <LoginPage />;
  if (path === '/register') return <RegisterPage />;
  if (path === '/set-password') return <SetPasswordPage />;
  if (path.startsWith('/invite/')) return <InvitePage code={decodeURIComponent(path.slice('/invite/'.length))} />;
  if (path === '/settings/sessions') return <SessionsPage />;
  if (path === '/admin') return <AdminPage />;
  if (path !== '/rooms') {
    queueMicrotask(() => navigate('/rooms', { replace: true }));
    return null;
  }
  return <ChatPage />;
}

applyStoredTheme();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
